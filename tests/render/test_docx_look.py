"""The DOCX, opened in LibreOffice, looks like the PDF: pages, band, contents, tables.

Every fixture role and three made by editing one (short, long, many skills and
certifications) is rendered to PDF and DOCX; LibreOffice converts each DOCX (one
``soffice`` run for all) and both PDFs are read back as a reader would see them:
page counts, the bookmarks (LibreOffice writes one per heading), the page text,
and pixels of page 1.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx.oxml.ns import qn
from PIL import Image

from exporter import api
from exporter.model.rolefile import parse_role
from exporter.report.outline import Report
from tests.conftest import ROLE_FILES
from tests.readback import Tool, docx_document, fold, libreoffice_pdf, pdf_reader

pytestmark = [pytest.mark.consumer, pytest.mark.slow]

BASE = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))


def _short(data: dict) -> dict:
    data["role"] = "Data Engineer"
    data["sections"] = {k: v.split(". ")[0] + "." if v else v for k, v in data["sections"].items()}
    data["checklist"] = data["checklist"][:1]
    return data


def _long(data: dict) -> dict:
    data["role"] = "Principal Distributed Systems Reliability Engineer"
    data["sections"] = {k: "\n\n".join([v] * 3) for k, v in data["sections"].items()}
    data["checklist"] = data["checklist"] * 3
    return data


def _many(data: dict) -> dict:
    data["role"] = "Cloud Platform Architect"
    data["skills"]["premium"] = [data["skills"]["top"]] + [
        f"Skill number {n} with a longer name" for n in range(1, 16)
    ]
    data["certifications"]["secondary"] = [f"Certified Credential {n}" for n in range(1, 11)]
    return data


MADE = {"short": _short, "long": _long, "many-skills": _many}
CASES = [path.stem for path in ROLE_FILES] + list(MADE)


def _role_data(case: str) -> dict:
    if case in MADE:
        return MADE[case](copy.deepcopy(BASE))
    path = next(p for p in ROLE_FILES if p.stem == case)
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Pair:
    """One role in both formats: the report, the DOCX, the PDF and LibreOffice's PDF of the DOCX."""

    report: Report
    docx: bytes
    pdf: bytes
    office: bytes


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pair]:
    folder = tmp_path_factory.mktemp("look")
    made: dict[str, tuple[Report, bytes, bytes]] = {}
    for case in CASES:
        role = parse_role(_role_data(case), f"{case}.json")
        report = api.report_for(role)
        made[case] = (report, api.render_docx(role), api.render_pdf(role))
        (folder / f"{case}.docx").write_bytes(made[case][1])
    sources = [folder / f"{case}.docx" for case in CASES]
    Tool("soffice").run(
        f"-env:UserInstallation=file://{folder}/lo-profile",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        folder / "office",
        *sources,
        timeout=600,
    )
    return {
        case: Pair(*made[case], (folder / "office" / f"{case}.pdf").read_bytes()) for case in CASES
    }


def section_pages(pdf: bytes) -> dict[str, int]:
    """Each bookmark's title and the page (from 1) it points at."""
    reader = pdf_reader(pdf)
    found: dict[str, int] = {}
    for item in reader.outline:
        if not isinstance(item, list):
            found[fold(item.title)] = reader.get_destination_page_number(item) + 1
    return found


def page_texts(pdf: bytes) -> list[str]:
    return [fold(page.extract_text() or "") for page in pdf_reader(pdf).pages]


@pytest.mark.parametrize("case", CASES)
def test_same_page_count_and_section_pages(pairs, case):
    pair = pairs[case]
    assert len(pdf_reader(pair.office).pages) == len(pdf_reader(pair.pdf).pages)
    office, pdf = section_pages(pair.office), section_pages(pair.pdf)
    assert list(office) == list(pair.report.headings)
    assert office == pdf  # every section starts on the same page in both


@pytest.mark.parametrize("case", CASES)
def test_contents_numbers_are_the_sections_pages(pairs, case):
    """The cached numbers in the DOCX, and those LibreOffice shows, are where sections are."""
    pair = pairs[case]
    where = section_pages(pair.office)
    cells = docx_document(pair.docx).tables[0].rows[1].cells
    cached = [p.text.rsplit("\t", 1) for cell in cells for p in cell.paragraphs]
    assert {title: int(page) for title, page in cached} == where
    shown = page_texts(pair.office)[0]
    for title, page in where.items():
        pattern = r"\s*".join(map(re.escape, title.split())) + r"[\s.…]*(\d+)"
        match = re.search(pattern, shown)
        assert match is not None and int(match.group(1)) == page, title


def _pixel(pdf: bytes, folder: Path, x_mm: float, y_mm: float) -> tuple[int, int, int]:
    """The colour of page 1 at a point, from poppler's picture of it."""
    source = folder / "page.pdf"
    source.write_bytes(pdf)
    Tool("pdftoppm").run("-r", "30", "-f", "1", "-l", "1", "-png", source, folder / "page")
    image = Image.open(next(folder.glob("page*.png"))).convert("RGB")
    dpmm = 30 / 25.4
    colour: tuple[int, int, int] = image.getpixel((round(x_mm * dpmm), round(y_mm * dpmm)))
    for old in folder.glob("page*"):
        old.unlink()
    return colour


@pytest.mark.parametrize("case", CASES[:1])
def test_brand_band_on_page_one_of_both(pairs, case, tmp_path):
    pair = pairs[case]
    primary = api.default_brand().colours.primary.lstrip("#")
    expected = tuple(int(primary[i : i + 2], 16) for i in (0, 2, 4))
    for pdf in (pair.pdf, pair.office):
        for x_mm in (2, 105, 208):  # the band runs from edge to edge
            band = _pixel(pdf, tmp_path, x_mm, 4)
            assert all(abs(a - b) <= 6 for a, b in zip(band, expected, strict=True)), band
        assert _pixel(pdf, tmp_path, 200, 40) == (255, 255, 255)  # white under it


@pytest.mark.parametrize("case", CASES)
def test_no_table_fragment_and_no_near_empty_page(pairs, case):
    pair = pairs[case]
    header = "Skill or credential Type Why it matters"
    first_cells = [row[0] for row in _skills_rows(pair.report)]
    for pdf in (pair.pdf, pair.office):
        texts = page_texts(pdf)
        for text in texts:
            if header in text:  # a header row is followed by a row on its page
                after = text.split(header, 1)[1]
                assert any(cell in after for cell in first_cells), after[:200]
        for text in texts:  # each page holds more than a trailing line or two
            assert len(text.split()) > 40, text


def _skills_rows(report: Report) -> tuple[tuple[str, ...], ...]:
    from exporter.report.outline import Table

    tables = [b for s in report.sections for b in s.blocks if isinstance(b, Table)]
    return tables[0].rows


@pytest.mark.parametrize("case", CASES[:1])
def test_chart_title_is_not_repeated(pairs, case):
    pair = pairs[case]
    for pdf in (pair.pdf, pair.office):
        text = " ".join(page_texts(pdf))
        assert text.count("Average salary, CAD") == 1


def test_no_running_header_on_page_one(pairs):
    pair = pairs[CASES[0]]
    section = docx_document(pair.docx).sections[0]
    assert section.different_first_page_header_footer
    assert section.first_page_header.paragraphs[0].text == ""
    body = docx_document(pair.docx).element.body
    breaks = body.findall(f".//{qn('w:pageBreakBefore')}")
    # a page starts with a break where the PDF's does (one per page after the first)
    assert len(breaks) <= len(pdf_reader(pair.pdf).pages) - 1


@pytest.fixture(scope="module")
def overview(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, bytes]:
    """The fixture roles' overview: PDF, DOCX and LibreOffice's PDF of the DOCX."""
    from exporter.model.rolefile import load_role

    roles = [load_role(path) for path in ROLE_FILES]
    options = api.RenderOptions()
    pdf = api.render_overview(roles, "pdf", options)
    docx = api.render_overview(roles, "docx", options)
    office = libreoffice_pdf(docx, tmp_path_factory.mktemp("overview"), "overview").read_bytes()
    return pdf, docx, office


def test_overview_names_every_role_in_full_on_as_many_pages(overview):
    pdf, _docx, office = overview
    assert len(pdf_reader(office).pages) == len(pdf_reader(pdf).pages)
    for rendering in (pdf, office):
        text = " ".join(page_texts(rendering))
        for path in ROLE_FILES:
            name = json.loads(path.read_text(encoding="utf-8"))["role"]
            assert text.count(name) >= 3  # the table, the chart, the list of reports
        assert "…" not in text
        assert "Projected salary by role" in text and "Projected salary" in text


def test_overview_uses_only_the_brand_font(overview, tmp_path):
    for name, rendering in zip(("pdf", "office"), overview[::2], strict=True):
        source = tmp_path / f"{name}.pdf"
        source.write_bytes(rendering)
        listing = Tool("pdffonts").run(source).stdout.splitlines()[2:]
        assert listing and all("IBMPlexSans" in line.replace("-", "") for line in listing)


def test_overview_amounts_are_right_aligned(overview):
    _pdf, docx, _office = overview
    table = docx_document(docx).tables[1]
    header = [cell.text for cell in table.rows[0].cells]
    row = table.rows[1].cells
    right = {header[i] for i, cell in enumerate(row) if cell.paragraphs[0].alignment == 2}
    assert right == {"Current average", "Projected", "Change", "Change %", "Data points"}


@pytest.mark.parametrize("count", [12, 60])
def test_bigger_overviews_paginate_alike(count, tmp_path):
    """A table too long for the page moves or breaks between rows alike in both formats."""
    roles = []
    for index in range(count):
        data = copy.deepcopy(BASE)
        data["role"] = f"Synthetic Role {index:04d}"
        current = 60_000 + (index * 7_919) % 140_000
        data["salary"]["current_average"] = current
        data["salary"]["projected"] = current + 1_000 + index % 9_000
        roles.append(parse_role(data, f"synthetic-{index}.json"))
    options = api.RenderOptions()
    pdf = api.render_overview(roles, "pdf", options)
    docx = api.render_overview(roles, "docx", options)
    office = libreoffice_pdf(docx, tmp_path, "overview").read_bytes()
    assert len(pdf_reader(office).pages) == len(pdf_reader(pdf).pages) > 2
    where = section_pages(office)
    assert where == section_pages(pdf)
    cells = docx_document(docx).tables[0].rows[1].cells
    cached = [p.text.rsplit("\t", 1) for cell in cells for p in cell.paragraphs]
    assert {title: int(page) for title, page in cached} == where
