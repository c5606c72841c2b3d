"""Where each section of a report starts: the page layout both formats share.

The PDF's stylesheet (``styles/report.css``) fixes every box's size: type sizes,
line heights, margins, paddings, which boxes never break (tables, callouts, list
items, the chart) and which keep with the next (headings, captions). The DOCX is
built on the same numbers (:data:`GEOMETRY`, used by :mod:`.styles` and :mod:`.writer`),
so laying a report out here, line by line, gives the pages of both. The DOCX's
contents carry these page numbers as their cached field results: what LibreOffice
shows, and what Word shows until it refreshes the fields itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from exporter.render.docx.measure import Metrics, line_count
from exporter.report import chart as chart_geometry
from exporter.report.outline import (
    Block,
    BulletList,
    Callout,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Runs,
    Table,
)

MM = 72 / 25.4
#: Page sizes in points (width, height).
PAGE_SIZES = {"A4": (210 * MM, 297 * MM), "Letter": (612.0, 792.0)}


@dataclass(frozen=True)
class Geometry:
    """The stylesheet's sizes in points (``styles/report.css``)."""

    margin_top: float = 22 * MM
    margin_bottom: float = 24 * MM
    margin_side: float = 18 * MM
    band_height: float = 26 * MM  # 9mm + the 10mm logo + 7mm
    cover_gap: float = 9 * MM  # under the band
    body: float = 10
    leading: float = 1.45
    paragraph_after: float = 7
    heading: float = 14
    heading_leading: float = 1.2
    heading_before: float = 18
    heading_rule: float = 4.5  # 3pt padding and a 1.5pt rule under a heading
    heading_after: float = 6
    title: float = 24
    kicker: float = 9
    kicker_after: float = 2
    title_after: float = 6
    facts_after: float = 10
    toc: float = 9
    toc_padding: tuple[float, float] = (6, 10)  # top/bottom, sides
    toc_gap: float = 18  # between the two lists
    toc_number: float = 1.4  # ems kept for the page number
    toc_after: float = 6
    small: float = 8.5  # captions
    note: float = 8
    figure_value: float = 16
    block_before: float = 4  # tables, callouts
    block_after: float = 10
    cell_padding: tuple[float, float] = (3, 6)
    cell_rule: float = 0.5
    callout_padding: tuple[float, float] = (6, 10)
    callout_rule: float = 3
    callout_title_after: float = 2
    item_after: float = 5
    list_indent: float = 14
    chart_before: float = 6
    chart_width: float = 120 * MM
    chart_descent: float = 3.5  # the SVG sits on a text line: room under its baseline
    small_print: float = 9  # the methodology section

    def line(self, size: float) -> float:
        return size * self.leading


GEOMETRY = Geometry()


@dataclass(frozen=True)
class Piece:
    """A box the page breaker places: whole, or split between its lines."""

    lines: tuple[float, ...]  # line heights; an unbreakable box has one "line"
    top: float = 0  # margin above (collapses with the one below the previous piece)
    bottom: float = 0
    keep_with_next: bool = False
    section: int = -1  # the section whose heading this is
    #: (section, block, item): which paragraph of the DOCX starts this piece
    key: tuple[int, int, int] = (-1, -1, -1)
    orphans: int = 3  # lines kept at the foot of a page, at least
    widows: int = 3  # and at the head of the next
    repeat: float = 0  # drawn again atop each further page (a table's header row)


def chart_height(block: Chart, g: Geometry = GEOMETRY) -> float:
    """The chart's drawn height in points: its SVG scaled to the chart width."""
    shape = chart_geometry.layout(block)
    return g.chart_width * shape.height / shape.width


class _Measure:
    """Line counts for one page width and brand font."""

    def __init__(self, metrics: Metrics, width: float, g: Geometry) -> None:
        self.metrics, self.width, self.g = metrics, width, g

    def lines(
        self, runs: Runs | str, size: float, width: float | None = None, bold: bool = False
    ) -> int:
        pairs = ((runs, bold),) if isinstance(runs, str) else tuple((r.text, r.bold) for r in runs)
        return line_count(self.metrics, pairs, size, self.width if width is None else width)


def _pieces(block: Block, m: _Measure, size: float, key: tuple[int, int]) -> Iterator[Piece]:
    g = m.g
    line = g.line(size)
    whole = (*key, 0)
    if isinstance(block, Paragraph):
        n = m.lines(block.runs, size)
        yield Piece((line,) * n, bottom=g.paragraph_after, key=whole)
    elif isinstance(block, Callout):
        inner = m.width - g.callout_rule - 2 * g.callout_padding[1]
        height = 2 * g.callout_padding[0] + m.lines(block.runs, size, inner) * line
        if block.title:
            height += m.lines(block.title, size, inner) * line + g.callout_title_after
        yield Piece((height,), g.block_before, g.block_after, key=whole)
    elif isinstance(block, BulletList):
        for number, item in enumerate(block.items):
            runs = block_runs(item.label, item.runs)
            n = m.lines(runs, size, m.width - g.list_indent)
            yield Piece((n * line,), bottom=g.item_after, key=(*key, number))
    elif isinstance(block, KeyFigures):
        yield Piece((key_figures_height(block, m),), g.block_before, g.block_after, key=whole)
    elif isinstance(block, Table):
        yield from table_pieces(block, m, size, key)
    elif isinstance(block, Chart):
        height = chart_height(block, g) + g.chart_descent + g.line(g.small)
        yield Piece((height,), g.chart_before, g.block_after, key=whole)


def block_runs(label: str, runs: Runs) -> Runs:
    """A list item's runs with its bold label in front, as both formats draw it."""
    from exporter.report.outline import Run

    return ((Run(f"{label}: ", bold=True),) if label else ()) + runs


def key_figures_height(block: KeyFigures, m: _Measure) -> float:
    g = m.g
    cell = m.width / max(len(block.figures), 1) - 2 * g.cell_padding[1]
    label = max(m.lines(f.label, g.small, cell) for f in block.figures) * g.line(g.small)
    value = max(m.lines(f.value, g.figure_value, cell) for f in block.figures)
    notes = max((m.lines(f.note, g.note, cell) if f.note else 0) for f in block.figures)
    caption = g.line(g.small) + g.cell_padding[0]
    return caption + 4 + label + value * g.line(g.figure_value) + notes * g.line(g.note) + 6


def column_widths(block: Table, width: float) -> list[float]:
    shares = block.widths or (1,) * len(block.header)
    return [width * share / sum(shares) for share in shares]


def table_pieces(block: Table, m: _Measure, size: float, key: tuple[int, int]) -> list[Piece]:
    """A table's caption, then its rows, which move to the next page together.

    As WeasyPrint does with ``break-inside: avoid``: the caption stays where the
    table began when the rows do not fit below it.
    """
    g = m.g
    pad_v, pad_h = g.cell_padding
    widths = [w - 2 * pad_h for w in column_widths(block, m.width)]
    rows = tuple(
        max(
            m.lines(text, size, w, bold=number == 0 or column == 0)  # header row, row headers
            for column, (text, w) in enumerate(zip(row, widths, strict=True))
        )
        * g.line(size)
        + 2 * pad_v
        + g.cell_rule
        for number, row in enumerate((block.header, *block.rows))
    )
    caption = m.lines(block.caption, g.small) * g.line(g.small) + pad_v
    whole = len(rows)
    return [
        Piece((caption,), g.block_before, key=(*key, 0)),
        Piece(
            rows, bottom=g.block_after, key=(*key, 1), orphans=whole, widows=whole, repeat=rows[0]
        ),
    ]


def cover_height(report: Report, m: _Measure) -> float:
    """From the top of page 1 to the bottom of the contents box (without its margin)."""
    g = m.g
    top = g.band_height + g.cover_gap
    top += g.line(g.kicker) + g.kicker_after
    top += m.lines(report.title, g.title) * g.title * g.heading_leading + g.title_after
    top += m.lines(" · ".join(report.facts), g.body) * g.line(g.body) + g.facts_after
    return top + contents_height(report, m)


def contents_halves(report: Report) -> tuple[range, range]:
    """The sections of the contents' left and right lists (first half on the left)."""
    half = (len(report.sections) + 1) // 2
    return range(half), range(half, len(report.sections))


def contents_height(report: Report, m: _Measure) -> float:
    g = m.g
    pad_v, pad_h = g.toc_padding
    column = (m.width - 2 * pad_h - g.toc_gap) / 2 - g.toc_number * g.toc
    columns = [
        sum(m.lines(report.sections[i].title, g.toc, column) for i in half) * g.line(g.toc)
        for half in contents_halves(report)
    ]
    return 2 * pad_v + g.line(g.body) + g.kicker_after + max(columns)


def report_pieces(report: Report, m: _Measure) -> Iterator[Piece]:
    g = m.g
    for number, section in enumerate(report.sections):
        n = m.lines(section.title, g.heading)
        heading = n * g.heading * g.heading_leading + g.heading_rule
        yield Piece((heading,), g.heading_before, g.heading_after, True, number, (number, -1, 0))
        size = g.small_print if section.id == "methodology" else g.body
        for index, block in enumerate(section.blocks):
            yield from _pieces(block, m, size, (number, index))


@dataclass(frozen=True)
class Layout:
    """Where a report's sections fall on pages."""

    section_pages: tuple[int, ...]  #: the page each section starts on
    pages: int
    #: the (section, block, item) keys of the pieces that start a page whole
    page_starts: frozenset[tuple[int, int, int]]


def layout(
    report: Report, metrics: Metrics, page_size: tuple[float, float], g: Geometry = GEOMETRY
) -> Layout:
    """Lay ``report`` out on pages of ``page_size`` (points) as the stylesheet does."""
    width = page_size[0] - 2 * g.margin_side
    m = _Measure(metrics, width, g)
    bottom = page_size[1] - g.margin_bottom
    pieces = list(report_pieces(report, m))
    return paginate(pieces, cover_height(report, m), g.toc_after, g, bottom)


def _least(piece: Piece) -> float:
    """The least of a piece that may end a page: all of it, or its first lines."""
    if len(piece.lines) < piece.orphans + piece.widows:
        return sum(piece.lines)
    return sum(piece.lines[: piece.orphans])


def _need(pieces: list[Piece], index: int, gap: float) -> float:
    """Room a piece needs to start here: its least, and that of each piece it keeps with."""
    need = gap
    while True:
        piece = pieces[index]
        if not piece.keep_with_next or index + 1 == len(pieces):
            return need + _least(piece)
        need += sum(piece.lines) + max(piece.bottom, pieces[index + 1].top)
        index += 1


def paginate(
    pieces: list[Piece], start: float, start_bottom: float, g: Geometry, bottom: float
) -> Layout:
    """Place pieces on pages as the stylesheet's break rules do."""
    starts: dict[int, int] = {}
    page_starts: set[tuple[int, int, int]] = set()
    page, y, below = 1, start, start_bottom
    index, at_top = 0, False
    while index < len(pieces):
        piece = pieces[index]
        gap = 0 if at_top else max(below, piece.top)
        if not at_top and y + _need(pieces, index, gap) > bottom:
            page, y, below, at_top = page + 1, g.margin_top, 0, True
            page_starts.add(piece.key)
            continue
        if piece.section >= 0:
            starts[piece.section] = page
        y += gap
        fit = _lines_that_fit(piece, bottom - y)
        if at_top and fit == 0:  # taller than a page: it breaks between lines (rows) anyway
            fit = _lines_that_fit(replace(piece, orphans=1, widows=1), bottom - y)
        if fit == len(piece.lines) or (fit == 0 and at_top):
            y += sum(piece.lines)
            below, at_top, index = piece.bottom, False, index + 1
            continue
        rest = (piece.repeat + piece.lines[fit], *piece.lines[fit + 1 :])
        pieces[index] = replace(piece, lines=rest, top=0, keep_with_next=False, section=-1)
        page, y, below, at_top = page + 1, g.margin_top, 0, True
    return Layout(tuple(starts[i] for i in sorted(starts)), page, frozenset(page_starts))


def _lines_that_fit(piece: Piece, room: float) -> int:
    """How many of a piece's lines stay on this page, keeping orphans and widows."""
    lines = piece.lines
    used, fit = 0.0, 0
    for height in lines:
        if used + height > room + 0.01:
            break
        used += height
        fit += 1
    if fit == len(lines) or len(lines) == 1:
        return fit if fit == len(lines) else 0
    fit = min(fit, len(lines) - piece.widows)
    return fit if fit >= piece.orphans else 0
