"""The contents' page numbers, written as plain text after one layout.

CSS ``target-counter()`` makes WeasyPrint lay the whole document out again until
the numbers stop changing (about four passes for a 3-page report). Instead the
writer predicts each section's first page, writes the numbers into the HTML as
text, lays the document out once, reads where each section really starts
(:func:`section_starts`, from the laid-out pages' anchors) and lays out again
only when a prediction was wrong. The numbers sit in absolutely placed boxes, so
their values never move anything else: a second layout always gets them right.

Predictions come from :class:`PagePredictor`: the pages found for a report with
the same section lengths (a role rendered again), else a first guess. The PDF
writer's first guess is the layout the DOCX is paginated with
(:func:`exporter.render.docx.pages.layout`: every line measured with the brand's
font metrics and the stylesheet's sizes), right for 56 of 60 synthetic roles of
random length where :func:`estimate` (text length against a page's capacity,
the fallback) was right for 33; the previous role's pages, tried first in an
earlier version, were right for one role in ten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from exporter.report.outline import (
    Block,
    BulletList,
    Callout,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Table,
    plain,
)

#: Section id -> the page (1-based) where the section starts.
SectionPages = Mapping[str, int]

#: The estimate's measures, in 10pt body lines (14.5pt): a page's capacity (an A4
#: page holds 49 such lines; headings and gaps are counted apart), what the cover
#: takes on page 1 besides the contents' rows, characters per line, a section
#: heading with its margins, the gap between paragraphs. Fitted to the fixture
#: roles, ones three times as long, and 80 roles of random length (right for 48):
#: a wrong guess costs one more layout, never a wrong number.
LINES_PER_PAGE = 50
COVER_LINES = 10.5
CHARS_PER_LINE = 105
HEADING_LINES = 3.5
PARAGRAPH_GAP = 0.3


class LaidOutPage(Protocol):
    """What :func:`section_starts` reads of a WeasyPrint page: its anchors."""

    anchors: Mapping[str, object]


def section_starts(pages: Sequence[LaidOutPage], ids: Iterable[str]) -> dict[str, int]:
    """The page (1-based) on which each of ``ids`` first appears in a laid-out document."""
    wanted = set(ids)
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        for name in page.anchors:
            if name in wanted and name not in found:
                found[name] = number
    return found


def _lines(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_LINE))


def block_lines(block: Block) -> float:
    """A rough height of a block in body lines (spacing included)."""
    if isinstance(block, Paragraph):
        return _lines(plain(block.runs)) + PARAGRAPH_GAP
    if isinstance(block, Callout):
        return _lines(plain(block.runs)) + (1 if block.title else 0) + 1.5
    if isinstance(block, BulletList):
        return sum(_lines(item.label + ": " + plain(item.runs)) + 0.4 for item in block.items)
    if isinstance(block, KeyFigures):
        return 5.0
    if isinstance(block, Table):
        return 2.5 + 1.3 * len(block.rows)
    if isinstance(block, Chart):
        return 4.0 + 2.2 * len(block.bars)
    raise TypeError(f"no estimate for {type(block).__name__}")


def estimate(report: Report) -> dict[str, int]:
    """A first guess at each section's start page from the length of its text."""
    used: float = COVER_LINES + math.ceil(len(report.sections) / 2)
    pages: dict[str, int] = {}
    for section in report.sections:
        page, offset = divmod(used, LINES_PER_PAGE)
        if offset + HEADING_LINES + 2 > LINES_PER_PAGE:  # a heading keeps two lines with it
            used = (page + 1) * LINES_PER_PAGE
        pages[section.id] = int(used // LINES_PER_PAGE) + 1
        used += HEADING_LINES + sum(block_lines(block) for block in section.blocks)
    return pages


def _lengths(report: Report) -> tuple[tuple[str, int], ...]:
    return tuple(
        (section.id, sum(len(repr(block)) for block in section.blocks))
        for section in report.sections
    )


#: A first guess at a report's section pages (section id -> page).
Guess = Callable[[Report], dict[str, int]]


class PagePredictor:
    """Remembers the section pages found, to predict them for a report of the same lengths;
    for a report not seen, ``guess`` (default :func:`estimate`)."""

    def __init__(self, guess: Guess = estimate, limit: int = 256) -> None:
        self._by_lengths: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}
        self._guess = guess
        self._limit = limit

    def predict(self, report: Report) -> dict[str, int]:
        """The pages found for a report of the same lengths, else the first guess."""
        known = self._by_lengths.get(_lengths(report))
        return dict(known) if known is not None else self._guess(report)

    def learn(self, report: Report, pages: SectionPages) -> None:
        """Remember where ``report``'s sections were found to start."""
        if len(self._by_lengths) >= self._limit:
            self._by_lengths.clear()
        self._by_lengths[_lengths(report)] = dict(pages)
