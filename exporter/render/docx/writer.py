"""The DOCX writer: report outline -> Word document on named styles (python-docx).

Every paragraph and table uses a named style from the reference document (see
:mod:`exporter.render.docx.styles`), so changing a style in Word changes every instance.
The writer adds a table of contents field that Word and LibreOffice refresh on
open, bookmarks and internal links for each section, PAGE/NUMPAGES in the footer,
alt text on every picture, the document language, core and custom properties.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from exporter.fonts import embed as docx_fonts
from exporter.model.brand import Brand
from exporter.render import watermark
from exporter.render.docx import DocxOptions, ooxml
from exporter.render.docx import chart as docx_chart
from exporter.render.docx.styles import REQUIRED_STYLES, load_reference, save
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
    require_layouts,
)
from exporter.version import __version__

PAGE_SIZES = {"A4": (Mm(210), Mm(297)), "Letter": (Mm(215.9), Mm(279.4))}
MARGIN_SIDE, MARGIN_TOP = Mm(18), Mm(20)


def bookmark_name(section_id: str) -> str:
    """A Word bookmark name for a section: letters, digits and underscores, 40 at most."""
    return ("s_" + re.sub(r"[^A-Za-z0-9]", "_", section_id))[:40]


class DocxWriter:
    """Renders reports to DOCX bytes with one brand and reference document."""

    #: a fresh document per render: threads may share a writer
    lock: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()

    def __init__(self, brand: Brand, options: DocxOptions | None = None) -> None:
        options = options or DocxOptions()
        self.brand = brand
        self.template = template = options.template
        self.embed_fonts = options.embed_fonts
        self._base = load_reference(template, brand)  # styles checked here, once
        styles = Document(io.BytesIO(self._base)).styles
        #: Style name -> style id, looked up once: python-docx resolves a style name by
        #: scanning every style (and the default style) on each ``style=`` argument.
        self._ids = {name: styles[name].style_id for name in REQUIRED_STYLES}

    def _add(self, document: DocxDocument, style: str, text: str = "") -> DocxParagraph:
        """A new body paragraph in the named ``style``."""
        paragraph = document.add_paragraph(text)
        paragraph._p.style = self._ids[style]
        return paragraph

    def _restyle(self, paragraph: DocxParagraph, style: str) -> None:
        paragraph._p.style = self._ids[style]

    def _link(
        self, paragraph: DocxParagraph, text: str, *, url: str = "", anchor: str = ""
    ) -> None:
        ooxml.add_hyperlink(
            paragraph, text, style_id=self._ids["Hyperlink"], url=url, anchor=anchor
        )

    def render(self, report: Report, options: DocxOptions | None = None) -> bytes:
        """The report as DOCX bytes; equal input gives equal bytes."""
        watermark_text = (options or DocxOptions()).watermark
        document = Document(io.BytesIO(self._base))
        _clear_body(document)
        self._page_setup(document, report)
        if watermark_text:
            watermark.add_to_header(document.sections[0].header, watermark_text, self.brand)
        self._title_block(document, report)
        self._contents(document, report)
        for number, section in enumerate(report.sections, start=1):
            heading = self._add(document, "Heading 1", section.title)
            ooxml.add_bookmark(heading, bookmark_name(section.id), number)
            for block in section.blocks:
                self._block(document, block)
        self._properties(document, report)
        ooxml.set_document_language(document, report.metadata.language)
        ooxml.update_fields_on_open(document)
        if self.embed_fonts:
            docx_fonts.embed_fonts(document, self.brand)  # last: it reads the finished text
        return save(document)

    def _page_setup(self, document: DocxDocument, report: Report) -> None:
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_SIZES[self.brand.page_size]
        section.top_margin = section.bottom_margin = MARGIN_TOP
        section.left_margin = section.right_margin = MARGIN_SIDE
        text_width = section.page_width - 2 * MARGIN_SIDE
        for part, style in ((section.header, "Header"), (section.footer, "Footer")):
            part.is_linked_to_previous = False
            paragraph = part.paragraphs[0]
            for extra in part.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
            paragraph.clear()
            self._restyle(paragraph, style)
            paragraph.paragraph_format.tab_stops.clear_all()
            paragraph.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
        section.header.paragraphs[0].add_run(f"{report.kicker}\t{report.title}")
        footer = section.footer.paragraphs[0]
        footer.add_run(f"{self.brand.footer}\tPage ")
        ooxml.add_field(footer, "PAGE")
        footer.add_run(" of ")
        ooxml.add_field(footer, "NUMPAGES")

    def _title_block(self, document: DocxDocument, report: Report) -> None:
        logo = self.brand.logo_raster_path
        if logo is not None:
            run = self._add(document, "Figure").add_run()
            shape = run.add_picture(str(logo), height=Mm(12))
            ooxml.set_alt_text(shape, f"{self.brand.name} logo")
        self._add(document, "Subtitle", report.kicker)
        self._add(document, "Title", report.title)
        self._add(document, "Subtitle", " · ".join(report.facts))

    def _contents(self, document: DocxDocument, report: Report) -> None:
        """A TOC field, pre-filled with linked entries, that Word refreshes on open."""
        self._add(document, "TOC Heading", "Contents")
        entries = [self._add(document, "toc 1") for _ in report.sections]
        ooxml.begin_field(entries[0], 'TOC \\o "1-1" \\h \\z \\u')
        for paragraph, section in zip(entries, report.sections, strict=True):
            self._link(paragraph, section.title, anchor=bookmark_name(section.id))
        ooxml.end_field(entries[-1])

    def _block(self, document: DocxDocument, block: Block) -> None:
        LAYOUTS[type(block)](self, document, block)

    def _paragraph(self, document: DocxDocument, block: Paragraph) -> None:
        self._runs(self._add(document, "Body Text"), block.runs)

    def _callout(self, document: DocxDocument, block: Callout) -> None:
        style = "Callout Warning" if block.tone == "warning" else "Callout"
        if block.title:
            title = self._add(document, style)
            title.add_run(block.title).bold = True
            title.paragraph_format.keep_with_next = True
        body = self._add(document, style)
        self._runs(body, block.runs)
        body.paragraph_format.space_after = Pt(10)

    def _bullet_list(self, document: DocxDocument, block: BulletList) -> None:
        for item in block.items:
            paragraph = self._add(document, "List Bullet")
            if item.label:
                paragraph.add_run(f"{item.label}: ").bold = True
            self._runs(paragraph, item.runs)

    def _runs(self, paragraph: DocxParagraph, runs: Runs) -> None:
        for run in runs:
            if run.href:
                self._link(paragraph, run.text, url=run.href)
            else:
                paragraph.add_run(run.text).bold = run.bold or None

    def _key_figures(self, document: DocxDocument, block: KeyFigures) -> None:
        self._add(document, "Caption", "Key figures").paragraph_format.keep_with_next = True
        table = self._add_table(document, 2, len(block.figures))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        ooxml.repeat_header_row(table.rows[0])
        surface = self.brand.colours.surface.lstrip("#")
        for column, figure in enumerate(block.figures):
            head = table.cell(0, column)
            head.paragraphs[0].add_run(figure.label)
            head.paragraphs[0].paragraph_format.keep_with_next = True
            value = table.cell(1, column)
            self._restyle(value.paragraphs[0], "Key Figure")
            value.paragraphs[0].add_run(figure.value)
            if figure.note:
                self._restyle(value.add_paragraph(figure.note), "Caption")
            for cell in (head, value):
                ooxml.shade_cell(cell, surface)

    def _table(self, document: DocxDocument, block: Table) -> None:
        self._add(document, "Caption", block.caption).paragraph_format.keep_with_next = True
        table = self._add_table(document, 1 + len(block.rows), len(block.header))
        if block.widths:  # the outline's percentages of the text width, as in the PDF
            section = document.sections[-1]
            page, left, right = section.page_width, section.left_margin, section.right_margin
            text_width = (page or 0) - (left or 0) - (right or 0)  # set by _page_setup
            total = sum(block.widths)
            ooxml.fixed_column_widths(table, [text_width * w // total for w in block.widths])
        header = table.rows[0]
        ooxml.repeat_header_row(header)
        surface = self.brand.colours.surface.lstrip("#")
        for column, text in enumerate(block.header):
            cell = header.cells[column]
            cell.paragraphs[0].add_run(text).bold = True
            ooxml.shade_cell(cell, surface)
        # Cells straight from the rows' XML: table.cell() scans every cell of the table per
        # call, which made a 1,000-row table (the overview's) take minutes.
        for tr, row in zip(table._tbl.tr_lst[1:], block.rows, strict=True):
            for column, (tc, text) in enumerate(zip(tr.tc_lst, row, strict=True)):
                run = _Cell(tc, table).paragraphs[0].add_run(text)
                run.bold = column == 0 or None
        self._add(document, "Caption")  # breathing room after the table

    def _chart(self, document: DocxDocument, block: Chart) -> None:
        docx_chart.add_chart(document, self._add(document, "Figure"), block, self.brand)
        self._add(document, "Caption", block.title)

    def _add_table(self, document: DocxDocument, rows: int, cols: int) -> DocxTable:
        """A new table in the report's table style."""
        table: DocxTable = document.add_table(rows=rows, cols=cols)
        table._tbl.tblStyle_val = self._ids["Report Table"]
        return table

    def _properties(self, document: DocxDocument, report: Report) -> None:
        meta = report.metadata
        props = document.core_properties
        stamp = datetime.fromisoformat(meta.date).replace(tzinfo=UTC)
        props.title = meta.title
        props.subject = meta.subject
        props.author = meta.author
        props.last_modified_by = meta.author
        props.keywords = ", ".join(meta.keywords)
        props.comments = f"Generated by exporter {__version__}"
        props.category = report.kicker
        props.language = meta.language
        props.created = stamp
        props.modified = stamp
        props.last_printed = stamp
        props.revision = 1
        ooxml.set_custom_properties(document, dict(meta.properties))


def _clear_body(document: DocxDocument) -> None:
    """Empty the reference document's body, keeping its section settings."""
    body = document.element.body
    for child in list(body):
        if child.tag != ooxml.qn("w:sectPr"):
            body.remove(child)


#: The method that lays out each block type.
LAYOUTS: dict[type, Callable[[DocxWriter, DocxDocument, Any], None]] = {
    Paragraph: DocxWriter._paragraph,
    KeyFigures: DocxWriter._key_figures,
    Callout: DocxWriter._callout,
    BulletList: DocxWriter._bullet_list,
    Table: DocxWriter._table,
    Chart: DocxWriter._chart,
}
require_layouts("DOCX", LAYOUTS)
