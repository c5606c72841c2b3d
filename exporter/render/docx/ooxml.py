"""Small WordprocessingML helpers for what python-docx has no API for.

Fields (PAGE, NUMPAGES), cell shading and borders, repeating table header rows,
picture alt text, document language, and reproducible packaging.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PACKAGE_URI, PackURI
from docx.opc.part import Part
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu
from lxml import etree

from exporter.files import zip_entry

__all__ = ["qn"]

#: Every part of a DOCX gets this timestamp, so equal input gives equal bytes.


# Child order of a few elements, from ECMA-376 Part 1; Word rejects out-of-order XML.
_P_PR_TAGS = """
    pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers
    pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE
    autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents
    suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle
    rPr sectPr pPrChange
"""
_TC_PR_TAGS = """
    cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText
    vAlign hideMark headers cellIns cellDel cellMerge tcPrChange
"""
_R_PR_TAGS = """
    rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint
    noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u
    effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath
"""
_AFTER_UPDATE_FIELDS = """
    w:hdrShapeDefaults w:footnotePr w:endnotePr w:compat w:docVars w:rsids m:mathPr
    w:attachedSchema w:themeFontLang w:clrSchemeMapping w:doNotIncludeSubdocsInStats
    w:doNotAutoCompressPictures w:forceUpgrade w:captions w:readModeInkLockDown
    w:smartTagType sl:schemaLibrary w:shapeDefaults w:doNotEmbedSmartTags w:decimalSymbol
    w:listSeparator
"""
P_PR_ORDER = tuple(qn(f"w:{tag}") for tag in _P_PR_TAGS.split())
R_PR_ORDER = tuple(qn(f"w:{tag}") for tag in _R_PR_TAGS.split())
TC_PR_ORDER = tuple(qn(f"w:{tag}") for tag in _TC_PR_TAGS.split())
SETTINGS_AFTER_UPDATE_FIELDS = tuple(qn(tag) for tag in _AFTER_UPDATE_FIELDS.split())


def insert_ordered(parent: Any, element: Any, order: tuple[str, ...]) -> Any:
    """Insert ``element`` into ``parent`` where the schema's child ``order`` puts it."""
    rank = order.index(element.tag)
    for child in parent:
        if child.tag in order and order.index(child.tag) > rank:
            child.addprevious(element)
            return element
    parent.append(element)
    return element


def set_font(style: Any, name: str) -> None:
    """Set a style's font, dropping theme fonts that would otherwise win in Word."""
    style.font.name = name
    r_fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(attribute), None)


def clear_style_tabs(style: Any) -> None:
    """Remove a paragraph style's own tab stops."""
    p_pr = style.element.pPr
    tabs = p_pr.find(qn("w:tabs")) if p_pr is not None else None
    if tabs is not None:
        p_pr.remove(tabs)


def _fld_char(kind: str) -> Any:
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        char.set(qn("w:dirty"), "true")  # recompute on open
    run.append(char)
    return run


def field_start(instruction: str) -> tuple[Any, Any, Any]:
    """The runs that open a complex field: begin, instruction, separate."""
    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instr_run.append(instr)
    return _fld_char("begin"), instr_run, _fld_char("separate")


def field_end() -> Any:
    return _fld_char("end")


def begin_field(paragraph: Any, instruction: str) -> None:
    """Open a complex field in a paragraph: begin, instruction, separate."""
    paragraph._p.append(_fld_char("begin"))
    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instr_run.append(instr)
    paragraph._p.append(instr_run)
    paragraph._p.append(_fld_char("separate"))


def end_field(paragraph: Any) -> None:
    """Close the complex field opened by :func:`begin_field` (maybe paragraphs earlier)."""
    paragraph._p.append(_fld_char("end"))


def add_field(paragraph: Any, instruction: str, placeholder: str = "1") -> None:
    """Append a complex field (``PAGE``, ``NUMPAGES``...) that Word and LibreOffice evaluate."""
    begin_field(paragraph, instruction)
    paragraph.add_run(placeholder)
    end_field(paragraph)


def add_hyperlink(
    paragraph: Any, text: str, *, style_id: str, url: str = "", anchor: str = ""
) -> None:
    """A real hyperlink: to ``url`` (external) or to the bookmark ``anchor``.

    ``style_id`` is the id of the character style for links (the writer looks it up
    once per reference document, not once per link).
    """
    link = OxmlElement("w:hyperlink")
    if url:
        rel_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link.set(qn("r:id"), rel_id)
    else:
        link.set(qn("w:anchor"), anchor)
        link.set(qn("w:history"), "1")
    run = OxmlElement("w:r")
    r_pr = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), style_id)
    r_pr.append(style)
    run.append(r_pr)
    text_element = OxmlElement("w:t")
    text_element.set(qn("xml:space"), "preserve")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def add_bookmark(paragraph: Any, name: str, bookmark_id: int) -> None:
    """Wrap a paragraph's content in a bookmark that internal links can point at."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    p_pr = paragraph._p.pPr
    if p_pr is not None:
        p_pr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def table_style_borders(style: Any, colour: str, padding: tuple[float, float]) -> None:
    """Rules between rows in ``colour`` (none if empty) and cell ``padding`` (points)."""
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        rule = bool(colour) and side in ("bottom", "insideH")
        edge.set(qn("w:val"), "single" if rule else "nil")
        if rule:
            edge.set(qn("w:sz"), "4")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), colour)
        borders.append(edge)
    tbl_pr.append(borders)
    tbl_pr.append(cell_margins(*padding, *padding))


def cell_margins(top: float, side: float, bottom: float, right: float | None = None) -> Any:
    """A ``w:tblCellMar`` (or, renamed, ``w:tcMar``) with margins in points."""
    margins = OxmlElement("w:tblCellMar")
    end = side if right is None else right
    sides = (("top", top), ("left", side), ("bottom", bottom), ("right", end))
    for name, points in sides:
        margin = OxmlElement(f"w:{name}")
        margin.set(qn("w:w"), str(round(points * 20)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    return margins


def table_style_shading(style: Any, fill: str) -> None:
    """Every cell of a table style on a solid ``fill`` (``rrggbb``)."""
    tc_pr = OxmlElement("w:tcPr")
    tc_pr.append(_shading(fill))
    style.element.append(tc_pr)


def _shading(fill: str) -> Any:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    return shading


def drop_contextual_spacing(style: Any) -> None:
    """Remove "don't add space between paragraphs of the same style" from a style."""
    p_pr = style.element.get_or_add_pPr()
    for old in p_pr.findall(qn("w:contextualSpacing")):
        p_pr.remove(old)


def letter_spacing(style: Any, points: float) -> None:
    """Extra space between the letters of a style's text (``w:spacing`` in twentieths)."""
    r_pr = style.element.get_or_add_rPr()
    for old in r_pr.findall(qn("w:spacing")):
        r_pr.remove(old)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round(points * 20)))
    insert_ordered(r_pr, spacing, R_PR_ORDER)


_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def set_custom_properties(document: Any, properties: dict[str, str]) -> None:
    """Write ``docProps/custom.xml``: text properties shown in Word's Advanced Properties."""
    root = etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS, "vt": _VT_NS})
    for pid, (name, value) in enumerate(properties.items(), start=2):
        prop = etree.SubElement(
            root, f"{{{_CUSTOM_NS}}}property", fmtid=_CUSTOM_FMTID, pid=str(pid), name=name
        )
        etree.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = value
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def shade_cell(cell: Any, fill: str) -> None:
    """Give a table cell a solid background colour (``fill`` is ``rrggbb``)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    insert_ordered(tc_pr, shading, TC_PR_ORDER)


def fixed_column_widths(table: Any, widths: Sequence[int]) -> None:
    """Lay a table out at fixed column ``widths`` (EMU), as the PDF's ``table-layout: fixed``.

    Word reads a cell's own width before the table's grid, and python-docx gives every
    cell an equal one, so the grid, every cell and a fixed layout are all set.
    """
    table.autofit = False  # w:tblLayout w:type="fixed"
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Emu(width)
    for tr in table._tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths, strict=True):
            tc.width = Emu(width)


def cell_padding(cell: Any, top: float, left: float, bottom: float, right: float) -> None:
    """A cell's own margins, in points."""
    margins = cell_margins(top, left, bottom, right)
    margins.tag = qn("w:tcMar")
    insert_ordered(cell._tc.get_or_add_tcPr(), margins, TC_PR_ORDER)


def cell_border(cell: Any, side: str, colour: str, size_eighths: int) -> None:
    """A rule on one side of a cell."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = insert_ordered(tc_pr, OxmlElement("w:tcBorders"), TC_PR_ORDER)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size_eighths))
    edge.set(qn("w:space"), "0")
    edge.set(qn("w:color"), colour)
    borders.append(edge)


def cant_split(tr: Any) -> None:
    """Keep a table row whole on one page."""
    tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def repeat_header_row(row: Any) -> None:
    """Mark a table row as a header row that repeats on every page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def set_alt_text(inline_shape: Any, description: str, title: str = "") -> None:
    """Alt text on a picture, as Word's "Edit Alt Text" writes it."""
    doc_pr = inline_shape._inline.docPr
    doc_pr.set("descr", description)
    if title:
        doc_pr.set("title", title)


def paragraph_border(style: Any, side: str, colour: str, size_eighths: int, space: float) -> None:
    """A border on one side of every paragraph of a style."""
    p_pr = style.element.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = insert_ordered(p_pr, OxmlElement("w:pBdr"), P_PR_ORDER)
    old = borders.find(qn(f"w:{side}"))
    if old is not None:
        borders.remove(old)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size_eighths))
    edge.set(qn("w:space"), str(round(space)))
    edge.set(qn("w:color"), colour)
    borders.append(edge)


def paragraph_shading(style: Any, fill: str) -> None:
    """A background colour behind every paragraph of a style."""
    p_pr = style.element.get_or_add_pPr()
    old = p_pr.find(qn("w:shd"))
    if old is not None:
        p_pr.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    insert_ordered(p_pr, shading, P_PR_ORDER)


def set_document_language(document: Any, tag: str) -> None:
    """Set the default language of every run (``en-CA``) in the document defaults."""
    styles = document.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = OxmlElement("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        doc_defaults.insert(0, rpr_default)
    r_pr = rpr_default.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        rpr_default.append(r_pr)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)
    lang.set(qn("w:bidi"), tag)


def update_fields_on_open(document: Any) -> None:
    """Ask Word to refresh fields when the document opens."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        for child in settings:
            if child.tag in SETTINGS_AFTER_UPDATE_FIELDS:
                child.addprevious(update)
                break
        else:
            settings.append(update)


def package_bytes(document: Any) -> bytes:
    """The document as DOCX bytes, zipped once with fixed timestamps and permissions.

    Writes what python-docx's ``Document.save`` writes, in the same order (content
    types, package relationships, then each part and its relationships), but stamps
    every member with the fixed date of :func:`exporter.files.zip_entry` instead of
    the clock, so equal input gives equal bytes without unzipping and zipping again.
    ``_ContentTypesItem`` is python-docx's own builder of ``[Content_Types].xml``.
    """
    package = document.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, blob: bytes) -> None:
            archive.writestr(zip_entry(name), blob)

        content_types = _ContentTypesItem.from_parts(parts)  # type: ignore[no-untyped-call]
        add("[Content_Types].xml", content_types.blob)
        add(PACKAGE_URI.rels_uri.membername, package.rels.xml)
        for part in parts:
            add(part.partname.membername, part.blob)
            if len(part.rels):
                add(part.partname.rels_uri.membername, part.rels.xml)
    return out.getvalue()
