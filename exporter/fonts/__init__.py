"""Fonts in one place: the brand's faces (found, checked, instanced), the SFNT tables read
without fontTools, the faces as CSS for the PDF, and their embedding in the DOCX."""
