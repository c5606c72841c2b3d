"""The contents' page numbers: printed as text after one layout, and right (issue 22).

Each number is read back from the PDF's first page (pypdf text: every title
followed by its number, in order) and compared with the page of the section's
bookmark in the PDF outline, for short, fixture-length, long and very long roles
made here by cutting or repeating a fixture's text.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint.document as weasy_document
import weasyprint.layout.page as weasy_page

from exporter import api
from exporter.model.role import Role
from exporter.model.rolefile import load_role
from exporter.render.pdf import contents
from exporter.render.pdf.writer import PdfWriter
from exporter.report.outline import Report
from tests.readback import fold, pdf_reader

FIXTURE = Path(__file__).parents[2] / "fixtures" / "roles" / "machine-learning-lead-canada.json"


def _first_sentence(text: str) -> str:
    return text.split(". ")[0][:120] + "." if text else text


def _repeated(times: int) -> Callable[[str], str]:
    return lambda text: "\n\n".join([text] * times) if text else text


#: How each role is made from the fixture: a change to every section's text, checklist items.
LENGTHS: dict[str, tuple[Callable[[str], str], int]] = {
    "short": (_first_sentence, 1),
    "fixture": (lambda text: text, 4),
    "long": (_repeated(3), 8),
    "very-long": (_repeated(12), 30),
}


def role_of_length(length: str, folder: Path) -> Role:
    """The fixture role with its text cut or repeated, loaded from a role file."""
    change, items = LENGTHS[length]
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["sections"] = {name: change(text) for name, text in data["sections"].items()}
    checklist = data["checklist"]
    data["checklist"] = [checklist[i % len(checklist)] for i in range(items)]
    path = folder / f"{length}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_role(path)


def printed_numbers(pdf: bytes, report: Report) -> dict[str, int]:
    """The number printed after each title in the first page's contents."""
    text = fold(pdf_reader(pdf).pages[0].extract_text())
    entries = r"\s*".join(rf"{re.escape(s.title)}\s*(\d+)" for s in report.sections)
    found = re.search(entries, text)
    assert found, text
    return {s.id: int(n) for s, n in zip(report.sections, found.groups(), strict=True)}


def outline_pages(pdf: bytes, report: Report) -> dict[str, int]:
    """The page (from 1) of each section's bookmark, by section id."""
    reader = pdf_reader(pdf)
    by_title = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline}
    return {s.id: by_title[s.title] for s in report.sections}


class Layouts:
    """Counts WeasyPrint's layouts (``layout_document``) and pages made (``make_page``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.layouts = 0
        self.pages: collections.Counter[int] = collections.Counter()
        layout_document, make_page = weasy_document.layout_document, weasy_page.make_page

        def counted_layout(*args: Any, **kwargs: Any) -> Any:
            self.layouts += 1
            return layout_document(*args, **kwargs)

        def counted_page(*args: Any) -> Any:
            self.pages[args[4]] += 1  # page_number
            return make_page(*args)

        monkeypatch.setattr(weasy_document, "layout_document", counted_layout)
        monkeypatch.setattr(weasy_page, "make_page", counted_page)

    def reset(self) -> None:
        self.layouts = 0
        self.pages.clear()


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Layouts]:
    yield Layouts(monkeypatch)


def _writer() -> PdfWriter:
    return PdfWriter(api.default_brand(), api.PdfOptions())


@pytest.mark.parametrize("length", LENGTHS)
def test_printed_numbers_are_the_pages_where_sections_start(length, tmp_path):
    report = api.report_for(role_of_length(length, tmp_path))
    writer = _writer()
    pdf = writer.render(report)
    starts = outline_pages(pdf, report)
    assert printed_numbers(pdf, report) == starts
    assert writer.last_section_pages == starts  # what the writer exposes to others
    pages = len(pdf_reader(pdf).pages)
    assert {"short": pages <= 3, "fixture": pages == 3, "long": 4 <= pages < 9}.get(
        length, pages >= 10
    ), pages


@pytest.mark.parametrize("length", LENGTHS)
def test_the_first_guess_is_right_one_layout(length, layouts, tmp_path):
    """A fresh writer guesses the pages with the DOCX's layout: right for every length
    here, so the report is laid out once and its numbers are right."""
    report = api.report_for(role_of_length(length, tmp_path))
    writer = _writer()
    layouts.reset()
    pdf = writer.render(report)
    assert layouts.layouts == 1
    assert printed_numbers(pdf, report) == outline_pages(pdf, report)


def test_a_wrong_guess_is_laid_out_again_then_remembered(layouts, tmp_path, monkeypatch):
    """With the length estimate as the first guess (wrong for the very long role), a
    second layout prints the right numbers, and the writer lays the same report out once
    the next time."""
    report = api.report_for(role_of_length("very-long", tmp_path))
    monkeypatch.setattr(PdfWriter, "_first_guess", lambda self, report: contents.estimate(report))
    writer = _writer()
    assert contents.estimate(report) != writer.section_pages(report)  # the case tested
    writer = _writer()
    layouts.reset()
    first = writer.render(report)
    assert layouts.layouts == 2
    assert printed_numbers(first, report) == outline_pages(first, report)
    layouts.reset()
    again = writer.render(report)
    assert layouts.layouts == 1
    assert again == first  # corrected or remembered: the same bytes


def test_section_pages_need_no_pdf(tmp_path):
    report = api.report_for(role_of_length("long", tmp_path))
    writer = _writer()
    pages = writer.section_pages(report)
    assert pages == outline_pages(writer.render(report), report)
    assert list(pages) == [section.id for section in report.sections]
    assert min(pages.values()) == 1 and list(pages.values()) == sorted(pages.values())


def test_the_estimate_is_right_for_the_fixture_roles(role):
    """A fresh writer (a one-off ``exporter render``) lays a fixture role out once."""
    report = api.report_for(role)
    assert contents.estimate(report) == _writer().section_pages(report)


def test_html_without_numbers_still_asks_css_for_them(tmp_path):
    """Templates and HTML made without the writer's numbers keep target-counter()."""
    writer = _writer()
    report = api.report_for(role_of_length("fixture", tmp_path))
    assert 'class="toc toc-counted"' in writer.html(report)
    numbered = writer.html(report, writer.section_pages(report))
    assert "toc-counted" not in numbered and '<span class="toc-page">3</span>' in numbered
