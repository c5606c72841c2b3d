"""The DOCX writer: report outline -> Word document on named styles (python-docx).

Every paragraph and table uses a named style (Title, Heading 1, Body Text, List
Bullet, Callout, Report Table...), so changing a style in Word changes every
instance. Styles are defined from the brand; the writer checks up front that
every style it uses exists.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm, Pt, RGBColor

from exporter import __version__, chart, ooxml
from exporter.brand import Brand
from exporter.errors import RenderError
from exporter.outline import (
    BulletList,
    Callout,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Runs,
    Table,
)

PAGE_SIZES = {"A4": (Mm(210), Mm(297)), "Letter": (Mm(215.9), Mm(279.4))}

#: Paragraph styles the writer uses; all must exist before anything is written.
PARAGRAPH_STYLES = (
    "Title",
    "Subtitle",
    "Heading 1",
    "Body Text",
    "List Bullet",
    "Caption",
    "Callout",
    "Callout Warning",
    "Key Figure",
    "Figure",
    "Footer",
)
TABLE_STYLES = ("Report Table",)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


class DocxWriter:
    """Renders reports to DOCX bytes with one brand."""

    def __init__(self, brand: Brand) -> None:
        self.brand = brand

    def render(self, report: Report) -> bytes:
        """The report as DOCX bytes; equal input gives equal bytes."""
        document = Document()
        _drop_thumbnail(document)
        self._define_styles(document)
        _check_styles(document)
        self._page_setup(document, report)
        self._title_block(document, report)
        for section in report.sections:
            document.add_paragraph(section.title, style="Heading 1")
            for block in section.blocks:
                self._block(document, block)
        self._properties(document, report)
        ooxml.set_document_language(document, report.metadata.language)
        out = io.BytesIO()
        document.save(out)
        return ooxml.reproducible_zip(out.getvalue())

    # Styles

    def _define_styles(self, document: Any) -> None:
        brand = self.brand
        styles = document.styles
        primary, text, muted = (
            _rgb(brand.colours.primary),
            _rgb(brand.colours.text),
            _rgb(brand.colours.muted),
        )

        normal = styles["Normal"]
        normal.font.name = brand.fonts.body
        normal.font.size = Pt(10)
        normal.font.color.rgb = text

        for name, size in (("Title", 26), ("Subtitle", 11), ("Heading 1", 15)):
            style = styles[name]
            style.font.name = brand.fonts.heading
            style.font.size = Pt(size)
            style.font.color.rgb = primary if name != "Subtitle" else muted
            style.font.italic = False
        heading = styles["Heading 1"]
        heading.paragraph_format.space_before = Pt(16)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True
        ooxml.paragraph_border(heading, "bottom", brand.colours.accent.lstrip("#"), 12, 2)

        body = styles["Body Text"]
        body.paragraph_format.space_after = Pt(7)
        body.paragraph_format.widow_control = True

        callout = self._ensure(styles, "Callout", "Body Text")
        callout.paragraph_format.left_indent = Mm(3)
        callout.paragraph_format.right_indent = Mm(3)
        callout.paragraph_format.keep_together = True
        ooxml.paragraph_shading(callout, brand.colours.surface.lstrip("#"))
        ooxml.paragraph_border(callout, "left", brand.colours.accent.lstrip("#"), 24, 8)

        warning = self._ensure(styles, "Callout Warning", "Callout")
        ooxml.paragraph_border(warning, "left", brand.colours.warning.lstrip("#"), 24, 8)

        figure = self._ensure(styles, "Key Figure", "Normal")
        figure.font.size = Pt(16)
        figure.font.bold = True
        figure.font.color.rgb = primary
        figure.paragraph_format.space_after = Pt(0)

        picture = self._ensure(styles, "Figure", "Normal")
        picture.paragraph_format.keep_with_next = True
        picture.paragraph_format.space_before = Pt(4)

        caption = styles["Caption"]
        caption.font.color.rgb = muted
        caption.font.size = Pt(8.5)
        caption.font.bold = False

        if "Report Table" not in [s.name for s in styles]:
            table = styles.add_style("Report Table", WD_STYLE_TYPE.TABLE)
            table.base_style = styles["Table Grid"]
            table.font.size = Pt(9)

    @staticmethod
    def _ensure(styles: Any, name: str, base: str) -> Any:
        if name in [s.name for s in styles]:
            return styles[name]
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
        return style

    # Layout

    def _page_setup(self, document: Any, report: Report) -> None:
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_SIZES[self.brand.page_size]
        section.top_margin = section.bottom_margin = Mm(22)
        section.left_margin = section.right_margin = Mm(18)
        footer = section.footer.paragraphs[0]
        footer.style = document.styles["Footer"]
        if self.brand.footer:
            footer.add_run(f"{self.brand.footer}\t")
        footer.add_run("Page ")
        ooxml.add_field(footer, "PAGE")
        footer.add_run(" of ")
        ooxml.add_field(footer, "NUMPAGES")
        header = section.header.paragraphs[0]
        header.style = document.styles["Header"]
        header.add_run(report.metadata.title)

    def _title_block(self, document: Any, report: Report) -> None:
        document.add_paragraph(report.kicker, style="Subtitle")
        document.add_paragraph(report.title, style="Title")
        document.add_paragraph(" · ".join(report.facts), style="Subtitle")

    def _block(self, document: Any, block: object) -> None:
        if isinstance(block, Paragraph):
            self._runs(document.add_paragraph(style="Body Text"), block.runs)
        elif isinstance(block, Callout):
            style = "Callout Warning" if block.tone == "warning" else "Callout"
            if block.title:
                title = document.add_paragraph(style=style)
                title.add_run(block.title).bold = True
                title.paragraph_format.keep_with_next = True
                title.paragraph_format.space_after = Pt(0)
            self._runs(document.add_paragraph(style=style), block.runs)
        elif isinstance(block, BulletList):
            for item in block.items:
                paragraph = document.add_paragraph(style="List Bullet")
                if item.label:
                    paragraph.add_run(f"{item.label}: ").bold = True
                self._runs(paragraph, item.runs)
        elif isinstance(block, KeyFigures):
            self._key_figures(document, block)
        elif isinstance(block, Table):
            self._table(document, block)
        elif isinstance(block, Chart):
            self._chart(document, block)
        else:  # pragma: no cover - a new block type without a writer is a bug
            raise RenderError(f"DOCX writer has no layout for {type(block).__name__}")

    @staticmethod
    def _runs(paragraph: Any, runs: Runs) -> None:
        for run in runs:
            paragraph.add_run(run.text).bold = run.bold or None

    def _key_figures(self, document: Any, block: KeyFigures) -> None:
        document.add_paragraph("Key figures", style="Caption")
        table = document.add_table(rows=2, cols=len(block.figures))
        table.style = document.styles["Report Table"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        ooxml.repeat_header_row(table.rows[0])
        for column, figure in enumerate(block.figures):
            head = table.cell(0, column)
            head.paragraphs[0].add_run(figure.label)
            value = table.cell(1, column)
            value.paragraphs[0].style = document.styles["Key Figure"]
            value.paragraphs[0].add_run(figure.value)
            if figure.note:
                value.add_paragraph(figure.note, style="Caption")
            for cell in (head, value):
                ooxml.shade_cell(cell, self.brand.colours.surface.lstrip("#"))

    def _table(self, document: Any, block: Table) -> None:
        document.add_paragraph(block.caption, style="Caption")
        table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
        table.style = document.styles["Report Table"]
        header = table.rows[0]
        ooxml.repeat_header_row(header)
        for column, text in enumerate(block.header):
            cell = header.cells[column]
            cell.paragraphs[0].add_run(text).bold = True
            ooxml.shade_cell(cell, self.brand.colours.surface.lstrip("#"))
        for row_index, row in enumerate(block.rows, start=1):
            for column, text in enumerate(row):
                run = table.cell(row_index, column).paragraphs[0].add_run(text)
                run.bold = column == 0 or None

    def _chart(self, document: Any, block: Chart) -> None:
        picture = chart.png(block, self.brand)
        geometry = chart.layout(block)
        width = Mm(120)
        height = int(width * geometry.height / geometry.width)
        run = document.add_paragraph(style="Figure").add_run()
        shape = run.add_picture(io.BytesIO(picture), width=width, height=height)
        ooxml.set_alt_text(shape, block.alt, block.title)
        document.add_paragraph(block.title, style="Caption")

    def _properties(self, document: Any, report: Report) -> None:
        meta = report.metadata
        props = document.core_properties
        stamp = datetime.fromisoformat(meta.date).replace(tzinfo=UTC)
        props.title = meta.title
        props.subject = meta.subject
        props.author = meta.author
        props.last_modified_by = meta.author
        props.keywords = ", ".join(meta.keywords)
        props.comments = f"Generated by exporter {__version__}"
        props.category = "Market Intelligence"
        props.language = meta.language
        props.created = stamp
        props.modified = stamp
        props.last_printed = stamp
        props.revision = 1


def _drop_thumbnail(document: Any) -> None:
    """Remove python-docx's stock thumbnail, which would show the wrong document."""
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]


def _check_styles(document: Any) -> None:
    names = {style.name for style in document.styles}
    missing = [name for name in (*PARAGRAPH_STYLES, *TABLE_STYLES) if name not in names]
    if missing:
        raise RenderError(f"DOCX template lacks the styles: {', '.join(missing)}")
