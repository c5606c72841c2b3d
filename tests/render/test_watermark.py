"""--watermark puts its text on every page of both formats, behind the content."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from exporter import api, load_role
from exporter.cli import cli
from exporter.engine.settings import Settings as RenderSettings
from exporter.errors import RenderError
from exporter.render import watermark
from tests.conftest import ROLE_FILES
from tests.readback import (
    Tool,
    docx_document,
    docx_parts,
    libreoffice_pdf,
    pdf_reader,
    pdf_structure,
)

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "v": "urn:schemas-microsoft-com:vml",
}


@pytest.fixture(scope="module")
def marked():
    """One role's PDF and DOCX with and without a DRAFT watermark."""
    role = load_role(ROLE_FILES[0])
    return {
        "pdf": api.render_pdf(role, watermark="DRAFT"),
        "plain_pdf": api.render_pdf(role),
        "docx": api.render_docx(role, watermark="DRAFT"),
        "plain_docx": api.render_docx(role),
    }


def test_pdf_has_the_text_on_every_page(marked):
    pages = pdf_reader(marked["pdf"]).pages
    assert len(pages) >= 3
    assert all("DRAFT" in (page.extract_text() or "") for page in pages)
    assert not any(
        "DRAFT" in (page.extract_text() or "") for page in pdf_reader(marked["plain_pdf"]).pages
    )


def test_pdf_watermark_is_an_artifact_outside_the_structure_tree(marked):
    def roles(pdf: bytes) -> list[str]:
        return [role for role, _ in pdf_structure(pdf)]

    assert roles(marked["pdf"]) == roles(marked["plain_pdf"])  # no element more
    for page in pdf_reader(marked["pdf"]).pages:
        stream = page.get_contents().get_data()
        # the first thing drawn (behind everything) is the background, marked as an artifact
        first = re.search(rb"/Artifact\s+BMC\s+[^E]*?/(\w+) Do\s+EMC", stream)
        assert first is not None and first.start() < stream.index(b"BT")
        xobject = page["/Resources"]["/XObject"][f"/{first.group(1).decode()}"]
        assert xobject is not None


def test_docx_has_words_watermark_shape_in_the_header(marked):
    document = docx_document(marked["docx"])  # python-docx still opens it
    assert len(document.sections) == 1
    section = document.sections[0]
    assert section.different_first_page_header_footer  # page 1 has a header of its own
    for header in (section.header, section.first_page_header):  # so every page shows it
        shapes = header._element.findall(".//v:shape", NS)
        assert len(shapes) == 1
        assert shapes[0].get("id").startswith("PowerPlusWaterMarkObject")
        assert shapes[0].find("v:textpath", NS).get("string") == "DRAFT"
        assert shapes[0].get("fillcolor") == watermark.colour(api.default_brand())
    plain = docx_document(marked["plain_docx"]).sections[0]
    for header in (plain.header, plain.first_page_header):
        assert not header._element.findall(".//v:shape", NS)


@pytest.mark.parametrize(
    "text", ["x" * 41, "two\nlines", " DRAFT", "tab\there"], ids=["long", "newline", "space", "tab"]
)
def test_bad_text_is_one_clear_error(text, runner, tmp_path):
    with pytest.raises(RenderError, match="--watermark"):
        watermark.check(text)
    result = runner.invoke(
        cli, ["render", str(ROLE_FILES[0]), "--watermark", text, "--out", tmp_path]
    )
    assert result.exit_code == 1, result.output
    assert "--watermark" in result.output and "Traceback" not in result.output


def test_long_text_gets_a_smaller_font():
    assert watermark.font_size("DRAFT") == watermark.FONT_SIZE_MM
    assert watermark.font_size("CONFIDENTIAL - INTERNAL USE ONLY") < watermark.FONT_SIZE_MM


def test_markup_in_the_text_stays_text(tmp_path):
    text = '<b>"A&B"</b>'
    role = load_role(ROLE_FILES[0])
    pdf = api.render_pdf(role, watermark=text)
    assert all(text in page.extract_text() for page in pdf_reader(pdf).pages)
    header = etree.fromstring(docx_parts(api.render_docx(role, watermark=text))["word/header1.xml"])
    assert header.find(".//v:shape/v:textpath", NS).get("string") == text


def test_watermark_is_a_render_input():
    assert (
        RenderSettings().fingerprint()
        != RenderSettings(pdf=api.PdfOptions(watermark="DRAFT")).fingerprint()
    )


def test_batch_and_render_take_the_option(runner, roles, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["batch", str(roles), "--out", str(out), "--format", "all", "--watermark", "DRAFT"]
    )
    assert result.exit_code == 0, result.output
    for pdf in out.glob("*.pdf"):
        assert all("DRAFT" in page.extract_text() for page in pdf_reader(pdf.read_bytes()).pages)
    for docx in out.glob("*.docx"):
        assert b"PowerPlusWaterMarkObject" in docx_parts(docx.read_bytes())["word/header1.xml"]


def _watermark_pixels(pdf_path, folder, colour: str) -> list[int]:
    """Per page, how many pixels of LibreOffice's rendering have the watermark's colour."""
    from PIL import Image

    Tool("pdftoppm").run("-r", "40", "-png", pdf_path, folder / "page")
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    counts = []
    for image in sorted(folder.glob("page-*.png")):
        data = Image.open(image).convert("RGB").tobytes()
        pixels = (data[i : i + 3] for i in range(0, len(data), 3))
        counts.append(
            sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, target, strict=True)) <= 3)
        )
    return counts


@pytest.mark.consumer
@pytest.mark.slow
def test_libreoffice_draws_the_watermark_on_every_page(marked, tmp_path):
    colour = watermark.colour(api.default_brand())
    marked_dir, plain_dir = tmp_path / "marked", tmp_path / "plain"
    marked_dir.mkdir()
    plain_dir.mkdir()
    with_mark = _watermark_pixels(libreoffice_pdf(marked["docx"], marked_dir), marked_dir, colour)
    without = _watermark_pixels(libreoffice_pdf(marked["plain_docx"], plain_dir), plain_dir, colour)
    assert len(with_mark) == len(without) >= 3
    # anti-aliased text comes near the colour here and there; the watermark fills it
    assert all(
        marked > 1000 + 5 * plain for marked, plain in zip(with_mark, without, strict=True)
    ), (
        with_mark,
        without,
    )
