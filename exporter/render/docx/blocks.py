"""One DOCX being built: page setup, page 1, then each section's blocks.

A :class:`Build` lives for one render. Vertical space follows the PDF's stylesheet:
CSS margins between blocks collapse (the larger wins) where Word adds a paragraph's
space after to the next one's space before, so each block's first paragraph gets
the difference as its space before when its style's does not already give it. A
paragraph that starts a page in :func:`.pages.layout` gets "page break before" (and
no space before), so every page of the DOCX starts where the PDF's does, whatever
small differences of line height the two layout engines have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Emu, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from exporter.render.docx import chart as docx_chart
from exporter.render.docx import cover, ooxml
from exporter.render.docx.pages import GEOMETRY, Layout, block_runs, chart_height, column_widths
from exporter.report.outline import (
    BulletList,
    Callout,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Runs,
    Table,
    require_layouts,
)

if TYPE_CHECKING:
    from exporter.render.docx.writer import DocxWriter

G = GEOMETRY
_SPACES = re.compile(r"\s+")
Key = tuple[int, int, int]


def bookmark_name(section_id: str) -> str:
    """A Word bookmark name for a section: letters, digits and underscores, 40 at most."""
    return ("s_" + re.sub(r"[^A-Za-z0-9]", "_", section_id))[:40]


class Build:
    """The document of one render, written top to bottom."""

    def __init__(
        self, writer: DocxWriter, document: DocxDocument, report: Report, layout: Layout
    ) -> None:
        self.writer, self.document, self.report, self.layout = writer, document, report, layout
        self.ids = writer._ids
        self.brand = writer.brand
        #: the CSS margin under the last block, and the space after Word already gives it
        self.below, self.given = 0.0, 0.0
        self.text_width = 0.0
        self.size = G.body

    def add(self, style: str, text: str = "") -> DocxParagraph:
        """A new body paragraph in the named ``style``."""
        paragraph = self.document.add_paragraph(text)
        paragraph._p.style = self.ids[style]
        return paragraph

    def start(self, paragraph: DocxParagraph, style: str, top: float, key: Key) -> None:
        """Space above a block's first paragraph, or a page break where a page starts."""
        if key in self.layout.page_starts:
            paragraph.paragraph_format.page_break_before = True
            paragraph.paragraph_format.space_before = Pt(0)
            return
        before = max(self.below, top) - self.given
        if abs(before - self.writer._before[style]) > 0.01:
            paragraph.paragraph_format.space_before = Pt(max(before, 0))

    def end(self, below: float, given: float) -> None:
        self.below, self.given = below, given

    def link(self, paragraph: DocxParagraph, text: str, *, url: str = "", anchor: str = "") -> None:
        ooxml.add_hyperlink(paragraph, text, style_id=self.ids["Hyperlink"], url=url, anchor=anchor)

    def runs(self, paragraph: DocxParagraph, runs: Runs) -> None:
        for run in runs:
            text = _SPACES.sub(" ", run.text)  # as HTML folds white space, line breaks too
            if run.href:
                self.link(paragraph, text, url=run.href)
            else:
                paragraph.add_run(text).bold = run.bold or None

    def table(self, rows: int, cols: int, style: str, widths: list[float]) -> DocxTable:
        """A new table at fixed column ``widths`` (points) in a named table style."""
        table: DocxTable = self.document.add_table(rows=rows, cols=cols)
        table._tbl.tblStyle_val = self.ids[style]
        ooxml.fixed_column_widths(table, [Emu(round(w * 12700)) for w in widths])
        return table

    # Page setup and page 1.

    def page_setup(self, size: tuple[float, float]) -> None:
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Pt(size[0]), Pt(size[1])
        section.top_margin, section.bottom_margin = Pt(G.margin_top), Pt(G.margin_bottom)
        section.left_margin = section.right_margin = Pt(G.margin_side)
        section.header_distance, section.footer_distance = Emu(14 * 36000), Emu(10 * 36000)
        section.different_first_page_header_footer = True
        self.text_width = size[0] - 2 * G.margin_side
        parts = (
            (section.header, "Header"),
            (section.footer, "Footer"),
            (section.first_page_header, "Header"),
            (section.first_page_footer, "Footer"),
        )
        for part, style in parts:
            part.is_linked_to_previous = False
            paragraph = part.paragraphs[0]
            for extra in part.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
            paragraph.clear()
            paragraph._p.style = self.ids[style]
            stops = paragraph.paragraph_format.tab_stops
            stops.clear_all()
            stops.add_tab_stop(Pt(self.text_width), WD_TAB_ALIGNMENT.RIGHT)
        header = section.header.paragraphs[0]
        # Word shows the section's title; LibreOffice (7.4) keeps the empty cached result.
        ooxml.add_field(header, 'STYLEREF "Heading 1"', "")
        header.add_run(f"\t{self.report.title}")
        for footer in (section.footer.paragraphs[0], section.first_page_footer.paragraphs[0]):
            footer.add_run(f"{self.brand.footer}\tPage ")
            ooxml.add_field(footer, "PAGE")
            footer.add_run(" of ")
            ooxml.add_field(footer, "NUMPAGES", str(self.layout.pages))

    def cover(self, page_width: float) -> None:
        """The band, kicker, title, facts and contents of page 1."""
        kicker = self.add("Kicker", self.report.kicker)
        cover.space(kicker, before=G.band_height + G.cover_gap - G.margin_top)
        logo = self.brand.logo_raster_path
        inline = None
        if logo is not None:
            part = self.document.part
            inline = part.new_pic_inline(str(logo), None, Pt(10 * 72 / 25.4))
            inline.docPr.set("descr", f"{self.brand.name} logo")
        shape_id = self.document.part.next_id + (1 if inline is not None else 0)
        band = cover.band_run(page_width, self.brand, self.ids["Brand Name"], shape_id, inline)
        kicker._p.insert(1 if kicker._p.pPr is not None else 0, band)
        self.add("Title", self.report.title)
        self.add("Subtitle", " · ".join(self.report.facts))
        self.contents()
        self.end(G.toc_after, 0)

    def contents(self) -> None:
        """Two TOC fields side by side in a shaded box, with the pages of the layout."""
        pad_v, pad_h = G.toc_padding
        half = self.text_width / 2
        table = self.table(2, 2, "Contents Table", [half, half])
        surface = self.brand.colours.surface.lstrip("#")
        title_cell = table.cell(0, 0).merge(table.cell(0, 1))
        ooxml.cell_padding(title_cell, pad_v, pad_h, 0, pad_h)
        title = title_cell.paragraphs[0]
        title._p.style = self.ids["TOC Heading"]
        title.add_run("Contents")
        for column, sections in enumerate(cover.halves(self.report)):
            cell = table.cell(1, column)
            gap = G.toc_gap / 2
            left, right = (pad_h, gap) if column == 0 else (gap, pad_h)
            ooxml.cell_padding(cell, 0, left, pad_v, right)
            self.contents_field(cell, column, sections)
        for cell in (title_cell, table.cell(1, 0), table.cell(1, 1)):
            ooxml.shade_cell(cell, surface)

    def contents_field(self, cell: _Cell, column: int, sections: range) -> None:
        paragraphs = [cell.paragraphs[0]] + [cell.add_paragraph() for _ in sections[1:]]
        for paragraph, index in zip(paragraphs, sections, strict=False):
            paragraph._p.style = self.ids["toc 1"]
            section = self.report.sections[index]
            page = self.layout.section_pages[index]
            cover.contents_entry(paragraph, section.title, page, bookmark_name(section.id))

    # The sections.

    def sections(self) -> None:
        for number, section in enumerate(self.report.sections):
            heading = self.add("Heading 1", section.title)
            self.start(heading, "Heading 1", G.heading_before, (number, -1, 0))
            ooxml.add_bookmark(heading, bookmark_name(section.id), number + 1)
            self.end(G.heading_after, G.heading_after)
            self.size = G.small_print if section.id == "methodology" else G.body
            for index, block in enumerate(section.blocks):
                LAYOUTS[type(block)](self, block, (number, index))

    def paragraph(self, block: Paragraph, key: tuple[int, int]) -> None:
        style = "Small Print" if self.size == G.small_print else "Body Text"
        paragraph = self.add(style)
        self.start(paragraph, style, 0, (*key, 0))
        self.runs(paragraph, block.runs)
        self.end(G.paragraph_after, G.paragraph_after)

    def callout(self, block: Callout, key: tuple[int, int]) -> None:
        style = "Callout Warning" if block.tone == "warning" else "Callout"
        first = None
        if block.title:
            first = title = self.add(style)
            title.add_run(block.title).bold = True
            title.paragraph_format.keep_with_next = True
            title.paragraph_format.space_after = Pt(G.callout_title_after)
        body = self.add(style)
        self.runs(body, block.runs)
        first = first or body
        self.start(first, style, G.block_before, (*key, 0))
        if self.size != G.body:
            for paragraph in {first, body}:
                paragraph.paragraph_format.line_spacing = Pt(G.line(self.size))
                for run in paragraph.runs:
                    run.font.size = Pt(self.size)
        self.end(G.block_after, 0)

    def bullet_list(self, block: BulletList, key: tuple[int, int]) -> None:
        for number, item in enumerate(block.items):
            paragraph = self.add("List Bullet")
            self.start(paragraph, "List Bullet", 0, (*key, number))
            self.runs(paragraph, block_runs(item.label, item.runs))
            self.end(G.item_after, G.item_after)

    def key_figures(self, block: KeyFigures, key: tuple[int, int]) -> None:
        caption = self.add("Caption", "Key figures")
        caption.paragraph_format.keep_with_next = True
        self.start(caption, "Caption", G.block_before, (*key, 0))
        count = len(block.figures)
        table = self.table(2, count, "Key Figures Table", [self.text_width / count] * count)
        ooxml.repeat_header_row(table.rows[0])
        surface = self.brand.colours.surface.lstrip("#")
        pad = G.cell_padding[1]
        for column, figure in enumerate(block.figures):
            head, value = table.cell(0, column), table.cell(1, column)
            ooxml.cell_padding(head, 4, pad, 0, pad)
            ooxml.cell_padding(value, 0, pad, 6, pad)
            label = head.paragraphs[0]
            label._p.style = self.ids["Key Figure Label"]
            label.add_run(figure.label)
            label.paragraph_format.keep_with_next = True
            amount = value.paragraphs[0]
            amount._p.style = self.ids["Key Figure"]
            amount.add_run(figure.value)
            if figure.note:
                value.add_paragraph(figure.note)._p.style = self.ids["Key Figure Note"]
            for cell in (head, value):
                ooxml.shade_cell(cell, surface)
                if column:
                    ooxml.cell_border(cell, "left", "FFFFFF", 24)
        self.end(G.block_after, 0)

    def data_table(self, block: Table, key: tuple[int, int]) -> None:
        caption = self.add("Caption", block.caption)
        self.start(caption, "Caption", G.block_before, (*key, 0))
        widths = column_widths(block, self.text_width)
        table = self.table(1 + len(block.rows), len(block.header), "Report Table", widths)
        header = table.rows[0]
        ooxml.repeat_header_row(header)
        primary = self.brand.colours.primary.lstrip("#")
        for column, text in enumerate(block.header):
            cell = header.cells[column]
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            run.font.color.rgb = RGB_WHITE
            ooxml.shade_cell(cell, primary)
        # Cells straight from the rows' XML: table.cell() scans every cell of the table per
        # call, which made a 1,000-row table (the overview's) take minutes.
        last = len(block.rows)
        right = numeric_columns(block)
        for column in right:
            header.cells[column].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for number, (tr, row) in enumerate(zip(table._tbl.tr_lst[1:], block.rows, strict=True)):
            ooxml.cant_split(tr)
            for column, (tc, text) in enumerate(zip(tr.tc_lst, row, strict=True)):
                paragraph = _Cell(tc, table).paragraphs[0]
                paragraph.add_run(text).bold = column == 0 or None
                if column in right:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if number + 1 < last:  # the rows move to the next page together
                    paragraph.paragraph_format.keep_with_next = True
        for cell in header.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
        if (*key, 1) in self.layout.page_starts:
            header.cells[0].paragraphs[0].paragraph_format.page_break_before = True
        self.end(G.block_after, 0)

    def chart(self, block: Chart, key: tuple[int, int]) -> None:
        figure = self.add("Figure")
        self.start(figure, "Figure", G.chart_before, (*key, 0))
        height = chart_height(block) + G.chart_descent
        docx_chart.add_chart(
            self.document, figure, block, self.brand, Pt(G.chart_width), Pt(height)
        )
        self.add("Caption", block.title)
        self.end(G.block_after, G.cell_padding[0])


RGB_WHITE = RGBColor(0xFF, 0xFF, 0xFF)
#: An amount, count or percentage: a sign, a currency prefix or suffix, digits and separators.
_NUMBER = re.compile(
    r"[^\sA-Za-z]{0,3}[A-Z]{0,2}\$?\s?[+\-−]?[\d][\d.,\s\u00a0\u202f]*%?\s?\S{0,3}"
)


def numeric_columns(block: Table) -> set[int]:
    """Columns after the first whose every cell is a number or an amount: set right."""
    return {
        column
        for column in range(1, len(block.header))
        if block.rows and all(_NUMBER.fullmatch(row[column].strip()) for row in block.rows)
    }


#: The method that lays out each block type.
LAYOUTS: dict[type, Callable[[Build, Any, tuple[int, int]], None]] = {
    Paragraph: Build.paragraph,
    KeyFigures: Build.key_figures,
    Callout: Build.callout,
    BulletList: Build.bullet_list,
    Table: Build.data_table,
    Chart: Build.chart,
}
require_layouts("DOCX", LAYOUTS)
