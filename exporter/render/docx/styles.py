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
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Mm, Pt, RGBColor

from exporter.errors import BrandError
from exporter.model.brand import Brand
from exporter.render.docx import ooxml
from exporter.resources import STYLES_DIR

BUNDLED_REFERENCE = STYLES_DIR / "reference.docx"

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
    "TOC Heading",
    "toc 1",
    "Header",
    "Footer",
)
CHARACTER_STYLES = ("Hyperlink",)
TABLE_STYLES = ("Report Table",)
REQUIRED_STYLES = (*PARAGRAPH_STYLES, *CHARACTER_STYLES, *TABLE_STYLES)


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(_hex(colour))


def reference_docx(brand: Brand) -> bytes:
    """A reference document with every style the writer uses, drawn from the brand."""
    document = Document()
    drop_thumbnail(document)
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
    """Define or restyle every style the writer uses from the brand's colours and fonts."""
    styles = document.styles
    colours = brand.colours
    primary, text, muted = _rgb(colours.primary), _rgb(colours.text), _rgb(colours.muted)

    normal = styles["Normal"]
    ooxml.set_font(normal, brand.fonts.body)
    normal.font.size = Pt(10)
    normal.font.color.rgb = text
    normal.paragraph_format.space_after = Pt(4)

    for name, size, colour in (("Title", 26, primary), ("Subtitle", 10, muted)):
        style = styles[name]
        ooxml.set_font(style, brand.fonts.heading)
        style.font.size = Pt(size)
        style.font.color.rgb = colour
        style.font.italic = False
    title_ppr = styles["Title"].element.get_or_add_pPr()
    border = title_ppr.find(ooxml.qn("w:pBdr"))
    if border is not None:
        title_ppr.remove(border)  # python-docx's base draws a rule under the title

    heading = styles["Heading 1"]
    ooxml.set_font(heading, brand.fonts.heading)
    heading.font.size = Pt(15)
    heading.font.color.rgb = primary
    heading.paragraph_format.space_before = Pt(16)
    heading.paragraph_format.space_after = Pt(6)
    heading.paragraph_format.keep_with_next = True
    ooxml.paragraph_border(heading, "bottom", _hex(colours.accent), 12, 2)

    body = styles["Body Text"]
    body.paragraph_format.space_after = Pt(7)
    body.paragraph_format.line_spacing = 1.15
    body.paragraph_format.widow_control = True

    styles["List Bullet"].paragraph_format.space_after = Pt(5)

    callout = _ensure(styles, "Callout", "Body Text")
    callout.paragraph_format.left_indent = Mm(3)
    callout.paragraph_format.right_indent = Mm(3)
    callout.paragraph_format.keep_together = True
    callout.paragraph_format.space_after = Pt(0)
    ooxml.paragraph_shading(callout, _hex(colours.surface))
    ooxml.paragraph_border(callout, "left", _hex(colours.accent), 24, 8)

    warning = _ensure(styles, "Callout Warning", "Callout")
    ooxml.paragraph_border(warning, "left", _hex(colours.warning), 24, 8)

    figure = _ensure(styles, "Key Figure", "Normal")
    figure.font.size = Pt(16)
    figure.font.bold = True
    figure.font.color.rgb = primary
    figure.paragraph_format.space_after = Pt(0)

    picture = _ensure(styles, "Figure", "Normal")
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.space_before = Pt(6)

    caption = styles["Caption"]
    caption.font.color.rgb = muted
    caption.font.size = Pt(8.5)
    caption.font.bold = False
    caption.paragraph_format.space_after = Pt(8)

    toc_heading = _ensure(styles, "TOC Heading", "Heading 1")
    toc_heading.font.size = Pt(11)
    toc_1 = _ensure(styles, "toc 1", "Normal")
    toc_1.paragraph_format.space_after = Pt(2)

    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(8)
        styles[name].font.color.rgb = muted
        ooxml.clear_style_tabs(styles[name])

    if "Hyperlink" not in {s.name for s in styles}:
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.font.underline = True
        link.font.color.rgb = primary

    if "Report Table" not in {s.name for s in styles}:
        table = styles.add_style("Report Table", WD_STYLE_TYPE.TABLE)
        table.font.size = Pt(9)
        ooxml.table_style_borders(table, _hex(colours.muted))


def _ensure(styles: Any, name: str, base: str) -> Any:
    if name in {s.name for s in styles}:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def drop_thumbnail(document: Any) -> None:
    """Remove python-docx's stock thumbnail, which would show the wrong document."""
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]


def save(document: Any) -> bytes:
    """The document as reproducible DOCX bytes."""
    return ooxml.package_bytes(document)
