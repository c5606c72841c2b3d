"""The DOCX, read back with python-docx: styles, fields, properties, pictures."""

from __future__ import annotations

from docx.oxml.ns import qn

from exporter import api
from tests.readback import docx_document, docx_field_instructions
from tests.seed_facts import SEED_FACTS


def test_every_paragraph_uses_a_named_style(docx_bytes):
    document = docx_document(docx_bytes)
    used = {p.style.name for p in document.paragraphs}
    assert {"Kicker", "Title", "Subtitle", "Heading 1", "Body Text", "List Bullet"} <= used
    assert {"Callout", "Caption", "Figure", "Small Print"} <= used
    assert "Normal" not in used  # nothing left unstyled in the body
    cells = {p.style.name for t in document.tables for c in t._cells for p in c.paragraphs}
    assert {"TOC Heading", "toc 1", "Key Figure Label", "Key Figure", "Key Figure Note"} <= cells
    tables = [t.style.name for t in document.tables]
    assert tables == ["Contents Table", "Key Figures Table", "Report Table"]


def test_bold_terms_are_bold_runs(role, docx_bytes):
    document = docx_document(docx_bytes)
    bold = {r.text for p in document.paragraphs for r in p.runs if r.bold}
    assert role.skills.top in bold


def test_footer_has_page_and_numpages_fields(docx_bytes):
    footer = docx_document(docx_bytes).sections[0].footer
    assert docx_field_instructions(footer._element) == ["PAGE", "NUMPAGES"]
    assert "Page" in footer.paragraphs[0].text


def test_every_picture_has_alt_text(role, docx_bytes):
    document = docx_document(docx_bytes)
    alts = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert alts[0] == "Market Intelligence logo"
    assert alts[1].startswith(f"Bar chart of {role.role} salaries")
    assert SEED_FACTS[role.slug]["projected"] in alts[1]
    assert len(alts) == 2


def test_contents_page_numbers_are_fields_word_updates(report, docx_bytes):
    """Each contents line ends in a PAGEREF to its section, cached with the page it is on."""
    from exporter.render.docx import pages
    from exporter.render.docx.blocks import bookmark_name
    from exporter.render.docx.writer import DocxWriter

    document = docx_document(docx_bytes)
    contents = document.tables[0]._tbl
    instructions = docx_field_instructions(contents)
    assert instructions == [f"PAGEREF {bookmark_name(s.id)} \\h" for s in report.sections]
    begins = [c for c in contents.iter(qn("w:fldChar")) if c.get(qn("w:fldCharType")) == "begin"]
    assert begins and all(c.get(qn("w:dirty")) == "true" for c in begins)
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    writer = DocxWriter(api.default_brand())
    laid_out = pages.layout(report, writer.metrics, pages.PAGE_SIZES["A4"]).section_pages
    cells = document.tables[0].rows[1].cells
    entries = [p.text for cell in cells for p in cell.paragraphs]
    expected = [f"{t}\t{n}" for t, n in zip(report.headings, laid_out, strict=True)]
    assert entries == expected


def test_contents_links_point_at_heading_bookmarks(docx_bytes):
    document = docx_document(docx_bytes)
    anchors = [
        h.get(qn("w:anchor"))
        for h in document.element.body.iter(qn("w:hyperlink"))
        if h.get(qn("w:anchor"))
    ]
    bookmarks = {}
    for paragraph in document.paragraphs:
        for mark in paragraph._p.iter(qn("w:bookmarkStart")):
            bookmarks[mark.get(qn("w:name"))] = paragraph
    assert anchors and anchors == list(bookmarks)
    assert all(p.style.name == "Heading 1" for p in bookmarks.values())


def test_website_is_a_real_external_hyperlink(docx_bytes):
    document = docx_document(docx_bytes)
    external = [h for h in document.element.body.iter(qn("w:hyperlink")) if h.get(qn("r:id"))]
    assert len(external) == 1
    relationship = document.part.rels[external[0].get(qn("r:id"))]
    assert relationship.is_external
    assert relationship.target_ref == "https://example.com/market-intelligence"


def test_table_header_rows_repeat(docx_bytes):
    document = docx_document(docx_bytes)
    assert len(document.tables) == 3
    for table in document.tables[1:]:  # the contents box has no header row
        first, *rest = table.rows
        assert first._tr.trPr.find(qn("w:tblHeader")).get(qn("w:val")) == "true"
        assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in rest)


def test_paragraph_properties_are_in_schema_order(docx_bytes):
    """Word rejects out-of-order XML that LibreOffice forgives; check the parts we write."""
    import io
    import zipfile

    from lxml import etree

    from exporter.render.docx.ooxml import P_PR_ORDER, TC_PR_ORDER

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        parts = [
            etree.fromstring(archive.read(n)) for n in ("word/document.xml", "word/styles.xml")
        ]
    checked = 0
    for root in parts:
        for tag, order in ((qn("w:pPr"), P_PR_ORDER), (qn("w:tcPr"), TC_PR_ORDER)):
            for element in root.iter(tag):
                ranks = [order.index(child.tag) for child in element if child.tag in order]
                assert ranks == sorted(ranks), etree.tostring(element)[:300]
                checked += 1
    assert checked > 50


def test_document_language_is_set(docx_bytes):
    styles = docx_document(docx_bytes).styles.element
    lang = (
        styles.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:lang"))
    )
    assert lang.get(qn("w:val")) == "en-CA"


def _fixed_widths(table) -> list[int] | None:
    """The grid widths (twips) of a fixed-layout table whose every cell agrees; else None."""
    tbl = table._tbl
    layout = tbl.tblPr.find(qn("w:tblLayout"))
    if layout is None or layout.get(qn("w:type")) != "fixed":
        return None
    grid = [int(col.get(qn("w:w"))) for col in tbl.tblGrid.findall(qn("w:gridCol"))]
    for tr in tbl.tr_lst:
        cells = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.tc_lst]
        assert cells == grid
    return grid


def test_tables_keep_the_outlines_column_widths(report, docx_bytes):
    """As the PDF's fixed table layout: each column its share of the text width."""
    from exporter.report.outline import Table

    document = docx_document(docx_bytes)
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) / 635  # twips
    by_header = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    blocks = [b for s in report.sections for b in s.blocks if isinstance(b, Table) and b.widths]
    assert blocks
    for block in blocks:
        grid = _fixed_widths(by_header[block.header])
        assert grid is not None
        for width, share in zip(grid, block.widths, strict=True):
            assert abs(width - text_width * share / sum(block.widths)) <= 2


def test_the_overview_table_keeps_its_column_widths(tmp_path):
    from exporter.model.rolefile import load_role
    from exporter.report.overview import TABLE_HEADER, TABLE_WIDTHS
    from tests.conftest import ROLE_FILES

    data = api.render_overview([load_role(p) for p in ROLE_FILES], "docx", api.RenderOptions())
    document = docx_document(data)
    (table,) = [
        t for t in document.tables if tuple(c.text for c in t.rows[0].cells) == TABLE_HEADER
    ]
    grid = _fixed_widths(table)
    assert grid is not None
    assert [round(100 * w / sum(grid)) for w in grid] == list(TABLE_WIDTHS)
    assert grid[0] > 1.5 * grid[1]  # the role's name gets room; equal columns broke it mid-word
