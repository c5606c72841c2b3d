"""The writers: the outline to HTML and a tagged PDF (Jinja2, WeasyPrint, the asset
fetcher, PDF variants) and to DOCX (python-docx, Word styles, OOXML helpers).
"""
