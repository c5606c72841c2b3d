"""The DOCX stylesheet: the reference document and the brand's styles in it.

Like Pandoc's reference doc, a ``.docx`` whose body is empty is the stylesheet of
every briefing. The bundled one is generated from code (:func:`reference_docx`)
from python-docx's base document and the brand; ``styles/reference.docx`` is
that output for the default brand, for users to open in Word, restyle and pass
back with ``--docx-template``. An organisation's own reference document is used
as it is; it must define every style in :data:`REQUIRED_STYLES`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Pt, RGBColor

from exporter.errors import BrandError
from exporter.model.brand import Brand
from exporter.render.docx import ooxml
from exporter.render.docx.pages import GEOMETRY, PAGE_SIZES
from exporter.resources import STYLES_DIR

BUNDLED_REFERENCE = STYLES_DIR / "reference.docx"


#: Paragraph styles the writer uses; all must exist before anything is written.
PARAGRAPH_STYLES = (
    "Title",
    "Subtitle",
    "Kicker",
    "Brand Name",
    "Heading 1",
    "Body Text",
    "Small Print",
    "List Bullet",
    "Caption",
    "Callout",
    "Callout Warning",
    "Key Figure",
    "Key Figure Label",
    "Key Figure Note",
    "Figure",
    "TOC Heading",
    "toc 1",
    "Header",
    "Footer",
)
CHARACTER_STYLES = ("Hyperlink",)
TABLE_STYLES = ("Report Table", "Key Figures Table", "Contents Table")
REQUIRED_STYLES = (*PARAGRAPH_STYLES, *CHARACTER_STYLES, *TABLE_STYLES)


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(_hex(colour))


def reference_docx(brand: Brand) -> bytes:
    """A reference document with every style the writer uses, drawn from the brand."""
    document = Document()
    drop_thumbnail(document)
    drop_unused_parts(document)
    apply_brand_styles(document, brand)
    document.core_properties.title = f"{brand.name} reference document"
    document.core_properties.author = brand.publisher
    return save(document)


def load_reference(template: Path | None, brand: Brand) -> bytes:
    """The base document for a writer: ``template`` checked, or the brand's own."""
    if template is None:
        return reference_docx(brand)
    try:
        data = template.read_bytes()
        document = Document(io.BytesIO(data))
    except OSError as exc:
        raise BrandError(f"{template}: cannot read DOCX template: {exc.strerror}") from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BrandError(f"{template}: not a valid DOCX template: {exc}") from None
    missing = missing_styles(document)
    if missing:
        raise BrandError(
            f"{template}: DOCX template lacks the styles {', '.join(missing)} "
            "(start from styles/reference.docx, or `exporter reference-docx`)"
        )
    return data


def missing_styles(document: Any) -> list[str]:
    """Styles the writer needs that the document does not define, with their types."""
    kinds = {
        WD_STYLE_TYPE.PARAGRAPH: PARAGRAPH_STYLES,
        WD_STYLE_TYPE.CHARACTER: CHARACTER_STYLES,
        WD_STYLE_TYPE.TABLE: TABLE_STYLES,
    }
    present = {(style.name, style.type) for style in document.styles}
    return [name for kind, names in kinds.items() for name in names if (name, kind) not in present]


def apply_brand_styles(document: Any, brand: Brand) -> None:
    """Define or restyle every style the writer uses from the brand's colours and fonts.

    Sizes, line heights and spacing are the PDF stylesheet's (:data:`.pages.GEOMETRY`),
    as exact line heights, so both formats break pages in the same places.
    """
    styles, g = document.styles, GEOMETRY
    colours = brand.colours
    primary, text, muted = _rgb(colours.primary), _rgb(colours.text), _rgb(colours.muted)

    normal = styles["Normal"]
    ooxml.set_font(normal, brand.fonts.body)
    _text(normal, g.body, g.line(g.body), after=0, colour=text)
    normal.paragraph_format.widow_control = True

    title = styles["Title"]
    ooxml.set_font(title, brand.fonts.heading)
    _text(title, g.title, g.title * g.heading_leading, g.title_after, primary, bold=True)
    title.font.italic = False
    title_ppr = title.element.get_or_add_pPr()
    border = title_ppr.find(ooxml.qn("w:pBdr"))
    if border is not None:
        title_ppr.remove(border)  # python-docx's base draws a rule under the title
    ooxml.drop_contextual_spacing(title)
    subtitle = styles["Subtitle"]  # the facts line
    ooxml.set_font(subtitle, brand.fonts.body)
    _text(subtitle, g.body, g.line(g.body), g.facts_after, muted)
    subtitle.font.italic = False
    subtitle.font.bold = False
    ooxml.letter_spacing(subtitle, 0)
    kicker = _ensure(styles, "Kicker", "Normal")
    _text(kicker, g.kicker, g.line(g.kicker), g.kicker_after, _rgb(colours.accent), bold=True)
    kicker.font.all_caps = True
    ooxml.letter_spacing(kicker, 0.08 * g.kicker)
    brand_name = _ensure(styles, "Brand Name", "Normal")
    _text(brand_name, 12, 0, 0, RGBColor(0xFF, 0xFF, 0xFF), bold=True)
    brand_name.paragraph_format.line_spacing = 1.0  # the logo sets the line's height
    ooxml.letter_spacing(brand_name, 0.04 * 12)

    heading = styles["Heading 1"]
    ooxml.set_font(heading, brand.fonts.heading)
    line = g.heading * g.heading_leading
    _text(heading, g.heading, line, g.heading_after, primary, bold=True)
    heading.paragraph_format.space_before = Pt(g.heading_before - g.paragraph_after)
    heading.paragraph_format.keep_with_next = True
    ooxml.paragraph_border(heading, "bottom", _hex(colours.accent), 12, 3)

    body = _text(styles["Body Text"], g.body, g.line(g.body), g.paragraph_after)
    body.paragraph_format.widow_control = True
    _text(
        _ensure(styles, "Small Print", "Body Text"),
        g.small_print,
        g.line(g.small_print),
        None,
        muted,
    )
    _text(styles["List Bullet"], g.body, g.line(g.body), g.item_after)
    styles["List Bullet"].paragraph_format.keep_together = True
    ooxml.drop_contextual_spacing(styles["List Bullet"])  # the PDF spaces its items
    _bullet(document, brand.fonts.body, g.list_indent)
    _callouts(styles, brand)
    _figures(styles, brand)
    _contents(styles, brand, PAGE_SIZES[brand.page_size][0])
    for name in ("Header", "Footer"):
        _text(styles[name], 8, 0, 0, muted)
        ooxml.clear_style_tabs(styles[name])

    if "Hyperlink" not in {s.name for s in styles}:
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.font.underline = True
        link.font.color.rgb = primary
    _table_styles(styles, brand)


def _text(
    style: Any,
    size: float,
    line: float,
    after: float | None,
    colour: RGBColor | None = None,
    bold: bool | None = None,
) -> Any:
    """Type size, exact line height (0: single) and space after of a paragraph style."""
    style.font.size = Pt(size)
    if line:
        style.paragraph_format.line_spacing = Pt(line)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if after is not None:
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(after)
    if colour is not None:
        style.font.color.rgb = colour
    if bold is not None:
        style.font.bold = bold
    return style


def _bullet(document: Any, family: str, indent: float) -> None:
    """List Bullet's bullet: a "•" in the brand's font (not Symbol's), at the PDF's indent."""
    numbering = document.part.numbering_part.element
    style_id = document.styles["List Bullet"].style_id
    for level in numbering.iter(ooxml.qn("w:lvl")):
        p_style = level.find(ooxml.qn("w:pStyle"))
        if p_style is None or p_style.get(ooxml.qn("w:val")) != style_id:
            continue
        level.find(ooxml.qn("w:lvlText")).set(ooxml.qn("w:val"), "•")
        twips = str(round(indent * 20))
        for tab in level.iter(ooxml.qn("w:tab")):
            tab.set(ooxml.qn("w:pos"), twips)
        ind = level.find(f"{ooxml.qn('w:pPr')}/{ooxml.qn('w:ind')}")
        ind.set(ooxml.qn("w:left"), twips)
        ind.set(ooxml.qn("w:hanging"), twips)
        fonts = level.find(f"{ooxml.qn('w:rPr')}/{ooxml.qn('w:rFonts')}")
        for attribute in ("w:ascii", "w:hAnsi"):
            fonts.set(ooxml.qn(attribute), family)


def _callouts(styles: Any, brand: Brand) -> None:
    g, colours = GEOMETRY, brand.colours
    callout = _ensure(styles, "Callout", "Body Text")
    callout.paragraph_format.left_indent = Pt(g.callout_rule + g.callout_padding[1])
    callout.paragraph_format.right_indent = Pt(g.callout_padding[1])
    callout.paragraph_format.keep_together = True
    callout.paragraph_format.keep_with_next = False
    _text(callout, g.body, g.line(g.body), 0)
    ooxml.paragraph_shading(callout, _hex(colours.surface))
    ooxml.paragraph_border(callout, "left", _hex(colours.accent), 24, g.callout_padding[1] - 1)
    for side in ("top", "bottom"):  # the box's padding, drawn in the box's own colour
        ooxml.paragraph_border(callout, side, _hex(colours.surface), 4, g.callout_padding[0] - 1)
    warning = _ensure(styles, "Callout Warning", "Callout")
    ooxml.paragraph_border(warning, "left", _hex(colours.warning), 24, g.callout_padding[1] - 1)


def _figures(styles: Any, brand: Brand) -> None:
    g, colours = GEOMETRY, brand.colours
    primary, muted = _rgb(colours.primary), _rgb(colours.muted)
    _text(_ensure(styles, "Key Figure", "Normal"), g.figure_value, g.line(g.figure_value), 0)
    styles["Key Figure"].font.bold = True
    styles["Key Figure"].font.color.rgb = primary
    _text(_ensure(styles, "Key Figure Label", "Normal"), g.small, g.line(g.small), 0, muted)
    _text(_ensure(styles, "Key Figure Note", "Normal"), g.note, g.line(g.note), 0, muted)
    picture = _ensure(styles, "Figure", "Normal")
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.keep_together = True
    picture.paragraph_format.line_spacing = 1.0  # a picture sets its own line's height
    picture.paragraph_format.space_before = Pt(g.chart_before)
    picture.paragraph_format.space_after = Pt(0)
    caption = _text(styles["Caption"], g.small, g.line(g.small), g.cell_padding[0], muted)
    caption.font.bold = False
    caption.font.italic = False


def _contents(styles: Any, brand: Brand, page_width: float) -> None:
    g = GEOMETRY
    primary, text = _rgb(brand.colours.primary), _rgb(brand.colours.text)
    heading = _ensure(styles, "TOC Heading", "Normal")
    heading.base_style = styles["Normal"]
    _text(heading, g.body, g.line(g.body), g.kicker_after, primary, bold=True)
    heading.paragraph_format.keep_with_next = True
    entry = _ensure(styles, "toc 1", "Normal")
    _text(entry, g.toc, g.line(g.toc), 0, text)
    column = (page_width - 2 * g.margin_side - 2 * g.toc_padding[1] - g.toc_gap) / 2
    entry.paragraph_format.right_indent = Pt(g.toc_number * g.toc)
    ooxml.clear_style_tabs(entry)
    entry.paragraph_format.tab_stops.add_tab_stop(
        Pt(column), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )


def _table_styles(styles: Any, brand: Brand) -> None:
    names = {s.name for s in styles}
    g, colours = GEOMETRY, brand.colours
    if "Report Table" not in names:
        table = styles.add_style("Report Table", WD_STYLE_TYPE.TABLE)
        table.font.size = Pt(g.body)
        ooxml.table_style_borders(table, "C8D0D8", g.cell_padding)
    for name in ("Key Figures Table", "Contents Table"):
        if name not in names:
            table = styles.add_style(name, WD_STYLE_TYPE.TABLE)
            ooxml.table_style_borders(table, "", (0, 0))
            ooxml.table_style_shading(table, _hex(colours.surface))


def _ensure(styles: Any, name: str, base: str) -> Any:
    if name in {s.name for s in styles}:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


#: Table styles kept from python-docx's base document: Word's default and its plain grid.
KEPT_TABLE_STYLES = ("Normal Table", "Table Grid")


def drop_unused_parts(document: Any) -> None:
    """Leave out what every briefing would carry unused: 95% of the base's styles.xml
    is table styles ("Light Shading Accent 1"...) and ``stylesWithEffects.xml`` is
    Word 2010's copy of it; both were parsed, written and zipped with each document.
    Word still offers all of its built-in table styles.
    """
    styles = document.styles
    for style in list(styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in KEPT_TABLE_STYLES:
            style.element.getparent().remove(style.element)
    rels = document.part.rels
    for rel_id, rel in list(rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del rels[rel_id]


def drop_thumbnail(document: Any) -> None:
    """Remove python-docx's stock thumbnail, which would show the wrong document."""
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]


def save(document: Any) -> bytes:
    """The document as reproducible DOCX bytes."""
    return ooxml.package_bytes(document)
