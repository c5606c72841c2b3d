"""The PDF, read back with pypdf: text, outline, metadata, fonts, tagging."""

from __future__ import annotations

from exporter import api
from tests.readback import pdf_bookmarks, pdf_reader, pdf_structure, pdf_text
from tests.seed_facts import SEED_FACTS, seed_headings


def test_pdf_text_carries_the_page_facts(role, pdf):
    facts = SEED_FACTS[role.slug]
    text = pdf_text(pdf)
    for value in (
        facts["role"],
        facts["country"],
        facts["current"],
        facts["projected"],
        f"Based on {facts['data_points']} data points",
        f"Updated {facts['updated']}",
    ):
        assert value in text
    for heading in seed_headings(role.role, role.country):
        assert heading in text
    for item in role.checklist:
        assert f"{item.label}:" in text


def test_running_footer_counts_pages(pdf):
    reader = pdf_reader(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()


def test_small_sample_warning_is_visible(role, pdf):
    assert ("Small sample" in pdf_text(pdf)) == SEED_FACTS[role.slug]["small_sample"]


def test_metadata(role, pdf):
    reader = pdf_reader(pdf)
    info = reader.metadata
    assert info.title == f"Market Intelligence: {role.role} in {role.country}"
    assert info.author == "Market Intelligence Research"
    assert role.role in info.subject and SEED_FACTS[role.slug]["current"] in info.subject
    assert role.country in info["/Keywords"]
    assert info["/CreationDate"].startswith("D:20260401")
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-CA"
    assert "/StructTreeRoot" in catalog  # tagged
    assert catalog["/MarkInfo"]["/Marked"]


def test_bookmarks_are_the_sections(report, pdf):
    assert pdf_bookmarks(pdf) == list(report.headings)


def test_every_font_is_embedded(pdf):
    reader = pdf_reader(pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts


def test_chart_is_vector_with_alt_text(role, pdf):
    reader = pdf_reader(pdf)
    # No raster image anywhere: the chart is drawn as vectors.
    assert all(not page.images for page in reader.pages)
    figures = [attrs.get("/Alt") for kind, attrs in pdf_structure(pdf) if kind == "/Figure"]
    assert len(figures) == 1
    assert figures[0].startswith(f"Bar chart of {role.role} salaries in {role.country}")
    assert SEED_FACTS[role.slug]["current"] in figures[0]


def test_table_headers_are_tagged(pdf):
    kinds = [kind for kind, _ in pdf_structure(pdf)]
    assert kinds.count("/Table") == 2
    assert kinds.count("/TH") >= 6


def test_same_input_gives_same_bytes(role):
    assert api.render_pdf(role) == api.render_pdf(role)


def test_render_logs_nothing(role, weasyprint_log):
    api.render_pdf(role)
    assert [r.getMessage() for r in weasyprint_log] == []
