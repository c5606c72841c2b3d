"""Real second consumers: qpdf and poppler read the PDF, LibreOffice opens the DOCX.

On a laptop without these tools the tests skip; in CI (CI=true) they must run.
"""

from __future__ import annotations

import re

import pytest

from tests.readback import Tool, fold, libreoffice_pdf
from tests.seed_facts import SEED_FACTS

pytestmark = [pytest.mark.consumer, pytest.mark.slow]

QPDF, PDFFONTS, PDFINFO, PDFTOTEXT = (
    Tool("qpdf"),
    Tool("pdffonts"),
    Tool("pdfinfo"),
    Tool("pdftotext"),
)


@pytest.fixture
def pdf_file(tmp_path, pdf):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return path


def test_qpdf_check_passes(pdf_file):
    result = QPDF.run("--check", pdf_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_pdffonts_every_font_embedded(pdf_file):
    result = PDFFONTS.run(pdf_file)
    assert result.returncode == 0
    rows = result.stdout.splitlines()[2:]
    assert rows, result.stdout
    for row in rows:
        # columns: name type encoding emb sub uni object ID
        emb = row.split()[-5]
        assert emb == "yes", row


def test_pdfinfo_tagged_with_title(role, pdf_file):
    result = PDFINFO.run(pdf_file)
    info = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    )
    assert info["Tagged"] == "yes"
    assert info["Title"] == f"Market Intelligence: {role.role} in {role.country}"
    pages = int(info["Pages"])
    text = PDFTOTEXT.run("-layout", pdf_file, "-").stdout
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text


def test_libreoffice_opens_docx_and_evaluates_fields(role, docx_bytes, tmp_path):
    converted = libreoffice_pdf(docx_bytes, tmp_path, role.slug)
    text = fold(PDFTOTEXT.run(converted, "-").stdout)
    pages = int(re.search(r"Pages:\s+(\d+)", PDFINFO.run(converted).stdout).group(1))
    assert "Page 1 of " + str(pages) in text
    facts = SEED_FACTS[role.slug]
    for value in (facts["current"], facts["projected"], facts["role"], "Market Overview"):
        assert value in text


def _table_headers(pdf: bytes) -> list[tuple[str, str, str]]:
    """(row group, place in row, /Scope) of every /TH in the structure tree."""
    from tests.readback import pdf_reader

    found: list[tuple[str, str, str]] = []

    def walk(node, group: str = "", depth: int = 0) -> None:
        node = node.get_object()
        if not hasattr(node, "get") or depth > 64:
            return
        role = str(node.get("/S", ""))
        if role in ("/THead", "/TBody", "/TFoot"):
            group = role
        kids = node.get("/K")
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        if role == "/TR":
            for place, kid in enumerate(k.get_object() for k in kids if hasattr(k, "get_object")):
                if kid.get("/S") == "/TH":
                    scope = str(kid.get("/A", {}).get("/Scope", ""))
                    found.append((group, "first" if place == 0 else "later", scope))
        for kid in kids:
            if hasattr(kid, "get_object"):
                walk(kid, group, depth + 1)

    walk(pdf_reader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_every_table_header_cell_has_a_scope(role, pdf):
    """PDF/UA-1 (Matterhorn 15-003): header cells say what they head, as the HTML does."""
    headers = _table_headers(pdf)
    assert len(headers) == 3 + 3 + len(role.premium_skills) + len(role.certification_list)
    for group, place, scope in headers:
        expected = "/Column" if group == "/THead" else "/Row"
        assert scope == expected, (group, place)
        assert group == "/THead" or place == "first"
