"""Both formats, read back, carry the same sections in the same order and the same figures."""

from __future__ import annotations

import re

from exporter.report.outline import KeyFigures, Paragraph
from tests.readback import docx_headings, docx_text, pdf_bookmarks, pdf_text

MONEY = re.compile(r"[+\u2212]?\$\d{1,3}(?:,\d{3})+|[+\u2212]\d+\.\d%")


def test_same_sections_in_same_order(report, pdf, docx_bytes):
    assert pdf_bookmarks(pdf) == docx_headings(docx_bytes) == list(report.headings)


def test_same_figures(report, pdf, docx_bytes):
    figures = next(b for b in report.sections[0].blocks if isinstance(b, KeyFigures)).figures
    pdf_all, docx_all = pdf_text(pdf), docx_text(docx_bytes)
    for figure in figures:
        assert figure.value in pdf_all and figure.value in docx_all
    # Every amount and percentage either format shows, the other shows too.
    assert set(MONEY.findall(pdf_all)) == set(MONEY.findall(docx_all))
    assert len(set(MONEY.findall(pdf_all))) == 4  # current, projected, change, percent


def test_same_section_text(report, pdf, docx_bytes):
    pdf_all, docx_all = pdf_text(pdf).replace("- ", "-"), docx_text(docx_bytes)
    checked = 0
    for section in report.sections:
        # The first sentence of each paragraph appears in both.
        for block in section.blocks:
            if isinstance(block, Paragraph) and block.runs:
                sentence = "".join(r.text for r in block.runs).split(". ")[0][:60]
                assert sentence in docx_all
                assert re.sub(r"\s+", "", sentence) in re.sub(r"\s+", "", pdf_all)
                checked += 1
    assert checked > len(report.sections) // 2  # most sections hold paragraphs
