"""The page layout the DOCX takes its page breaks and contents numbers from (pure, fast)."""

from __future__ import annotations

from exporter.render.docx.pages import GEOMETRY, Piece, paginate

G = GEOMETRY
BOTTOM = G.margin_top + 100  # a page 100pt tall keeps the numbers readable


def lay(pieces: list[Piece], start: float = G.margin_top):
    return paginate(list(pieces), start, 0, G, BOTTOM)


def test_a_paragraph_keeps_three_lines_at_the_foot_and_the_head():
    lines = (10.0,) * 8
    # 85pt used: 15pt left holds one line, fewer than three: the paragraph moves whole
    moved = lay([Piece((85.0,), key=(0, 0, 0)), Piece(lines, key=(0, 1, 0))])
    assert moved.pages == 2 and (0, 1, 0) in moved.page_starts
    # 55pt used: four lines fit and four follow: it breaks, no page starts with it whole
    split = lay([Piece((55.0,), key=(0, 0, 0)), Piece(lines, key=(0, 1, 0))])
    assert split.pages == 2 and (0, 1, 0) not in split.page_starts
    # 35pt used: six lines fit, but two would be left: five stay, three go
    widow = lay([Piece((35.0,)), Piece(lines), Piece((95.0,), key=(0, 2, 0))])
    assert widow.pages == 3  # 30pt on page 2, then 95pt does not fit below


def test_a_heading_moves_with_what_follows_it():
    heading = Piece((20.0,), top=18, bottom=6, keep_with_next=True, section=1, key=(1, -1, 0))
    layout = lay([Piece((60.0,), section=0, keep_with_next=False), heading, Piece((30.0,))])
    assert layout.section_pages == (1, 2)
    assert (1, -1, 0) in layout.page_starts


def test_margins_collapse_and_vanish_at_the_top_of_a_page():
    first = Piece((50.0,), bottom=7)
    second = Piece((42.0,), top=4, section=0)  # 50 + max(7, 4) + 42 = 99: fits
    assert lay([first, second]).pages == 1
    third = Piece((44.0,), top=4, section=0)  # 101: does not
    assert lay([first, third]).pages == 2
    # on the next page the 18pt above a 100pt box is dropped: it fits, no third page
    assert lay([Piece((95.0,)), Piece((100.0,), top=18)]).pages == 2


def test_a_table_taller_than_a_page_breaks_between_rows_and_repeats_its_header():
    rows = (10.0,) * 29  # the header row and 28 rows: 290pt, more than a page
    table = Piece(rows, key=(0, 0, 1), orphans=len(rows), widows=len(rows), repeat=10.0)
    layout = lay([Piece((50.0,)), table, Piece((10.0,), section=0)])
    # moved to page 2 (too tall for page 1's room): 10 rows there, then the header and 9
    # rows a page (10, 9, 9, 1): without the repeated header it would end on page 4
    assert layout.pages == 5
    assert layout.section_pages == (5,)
