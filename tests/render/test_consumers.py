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
