"""The PDF, read back with pypdf: text, outline, metadata, fonts, tagging."""

from __future__ import annotations

import json

import pytest

from exporter import api
from tests.readback import pdf_reader, pdf_structure
from tests.seed_facts import SEED_FACTS


def test_running_footer_counts_pages(pdf):
    reader = pdf_reader(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()


def test_pdf_is_tagged(pdf):
    catalog = pdf_reader(pdf).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]


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
    charts = [alt for alt in figures if alt.startswith("Bar chart of")]
    assert len(charts) == 1
    assert charts[0].startswith(f"Bar chart of {role.role} salaries in {role.country}")
    assert SEED_FACTS[role.slug]["current"] in charts[0]


def test_table_headers_are_tagged(pdf):
    kinds = [kind for kind, _ in pdf_structure(pdf)]
    assert kinds.count("/Table") == 2
    assert kinds.count("/TH") >= 6


def test_render_logs_nothing(role, weasyprint_log):
    api.render_pdf(role)
    assert list(weasyprint_log) == []


def test_source_data_is_attached_and_loads_back(role, pdf):
    from exporter.model.rolefile import parse_role

    attachments = pdf_reader(pdf).attachments
    assert list(attachments) == [f"{role.slug}.json"]
    (data,) = attachments[f"{role.slug}.json"]
    assert parse_role(json.loads(data)) == role


def test_no_attach_leaves_no_attachment(role):
    assert dict(pdf_reader(api.render_pdf(role, attach=False)).attachments) == {}


def test_contents_links_and_website_link(report, pdf):
    reader = pdf_reader(pdf)
    targets, external = set(), []
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A")
            if action is not None and action.get("/S") == "/URI":
                external.append(str(action["/URI"]))
            else:
                targets.add(repr(annotation.get("/Dest") or action.get("/D")))
    # Each contents entry may be several link boxes (title, leader, page number).
    assert len(targets) == len(report.sections)
    assert external == ["https://example.com/market-intelligence"]


def test_brand_font_is_embedded_from_its_package(pdf):
    reader = pdf_reader(pdf)
    names = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert {"IBM-Plex-Sans", "IBM-Plex-Sans-Bold"} <= names


def test_logo_has_alt_text(pdf):
    alts = [attrs.get("/Alt") for kind, attrs in pdf_structure(pdf) if kind == "/Figure"]
    assert "Market Intelligence logo" in alts


@pytest.mark.parametrize(
    ("variant", "part", "attached"),
    [("pdf/a-3b", "3", True), ("pdf/a-2b", "2", False), ("pdf/ua-2", None, True)],
)
def test_pdf_variants(role, variant, part, attached, weasyprint_log):
    data = api.render_pdf(role, variant=variant)
    reader = pdf_reader(data)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    if part:
        assert f"<pdfaid:part>{part}</pdfaid:part>" in xmp or f'pdfaid:part="{part}"' in xmp
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged whatever the variant
    assert bool(reader.attachments) == attached
    # PDF/A requires a file identifier (a hash of the content: the same bytes every run);
    # PDF/UA does not, and the writer does not pay for one there.
    assert ("/ID" in reader.trailer) == bool(part)
    assert api.render_pdf(role, variant=variant) == data
    assert list(weasyprint_log) == []


def test_unknown_variant_is_a_clear_error(role):
    from exporter.errors import RenderError

    with pytest.raises(RenderError, match="unknown PDF variant 'pdf/z'"):
        api.render_pdf(role, variant="pdf/z")


def test_variant_list_matches_weasyprint():
    from weasyprint.pdf import VARIANTS

    from exporter.render.pdf.variants import PDF_VARIANTS

    assert set(PDF_VARIANTS) == set(VARIANTS) - {"debug"}
