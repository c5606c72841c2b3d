"""Page 1 of the DOCX as the PDF draws it, and the running header and footer.

The brand band is a Word shape (a rectangle in the primary colour, anchored to the
top of page 1, behind the text) whose text box holds the logo and the brand name
as real text. The contents are two lists side by side in a shaded table, as in the PDF: each
entry links to its section's bookmark and ends in a PAGEREF field to it, whose
cached result is the page of :mod:`.pages` (LibreOffice and Word both work it out
again from the bookmark; a TOC field would not do here: LibreOffice moves a TOC out
of a table cell, and shows its cached result as it is). Page 1 has its own (empty)
header, as the PDF's first page.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt

from exporter.model.brand import Brand
from exporter.render.docx import ooxml
from exporter.render.docx.pages import GEOMETRY, MM, contents_halves
from exporter.report.outline import Report

EMU_PER_PT = 12700
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

#: Names of the bookmarks around each half of the sections (the two TOC fields' ``\b``).
CONTENTS_BOOKMARKS = ("contents_left", "contents_right")


def band_run(
    page_width: float, brand: Brand, style_id: str, shape_id: int, logo: Any | None
) -> Any:
    """A ``w:r`` holding the band: a full-width rectangle at the top of the page.

    ``logo`` is a ``wp:inline`` picture (python-docx's ``new_pic_inline``) or None.
    """
    g = GEOMETRY
    width, height = round(page_width * EMU_PER_PT), round(g.band_height * EMU_PER_PT)
    side = round(g.margin_side * EMU_PER_PT)
    logo_xml = ""
    if logo is not None:
        from lxml import etree

        logo_xml = f"<w:r><w:drawing>{etree.tostring(logo, encoding='unicode')}</w:drawing></w:r>"
    name = f'<w:r><w:t xml:space="preserve">{_escape(brand.name)}</w:t></w:r>'
    spacer = '<w:r><w:t xml:space="preserve">  </w:t></w:r>' if logo is not None else ""
    paragraph = (
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:textAlignment w:val="center"/></w:pPr>'
        f"{logo_xml}{spacer}{name}</w:p>"
    )
    fill = brand.colours.primary.lstrip("#").upper()
    return parse_xml(
        f'<w:r xmlns:w="{_W}" xmlns:wp="{_WP}" xmlns:a="{_A}" xmlns:wps="{_WPS}"'
        f' xmlns:pic="{_PIC}" xmlns:r="{_R}"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1"'
        ' behindDoc="1" locked="1" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="{shape_id}" name="Brand band"'
        f" descr={quoteattr(brand.name)}/><wp:cNvGraphicFramePr/>"
        f'<a:graphic><a:graphicData uri="{_WPS}"><wps:wsp><wps:cNvSpPr/>'
        f'<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width}" cy="{height}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill><a:ln><a:noFill/></a:ln></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{paragraph}</w:txbxContent></wps:txbx>"
        f'<wps:bodyPr wrap="square" lIns="{side}" tIns="{round(9 * MM * EMU_PER_PT)}"'
        f' rIns="{side}" bIns="{round(7 * MM * EMU_PER_PT)}" anchor="ctr">'
        "<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></w:r>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def contents_entry(paragraph: Any, title: str, page: int, anchor: str) -> None:
    """One contents line: a link to the section, a dotted tab, and a PAGEREF field.

    The field's cached result is the page of :func:`.pages.layout`; LibreOffice and
    Word both work the page out again from the section's bookmark.
    """
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    paragraph._p.append(link)
    link.append(_run(title))
    tab = OxmlElement("w:r")
    tab.append(OxmlElement("w:tab"))
    link.append(tab)
    begin, instruction, separate = ooxml.field_start(f"PAGEREF {anchor} \\h")
    link.extend((begin, instruction, separate, _run(str(page)), ooxml.field_end()))


def _run(text: str) -> Any:
    run = OxmlElement("w:r")
    node = OxmlElement("w:t")
    node.set(qn("xml:space"), "preserve")
    node.text = text
    run.append(node)
    return run


def halves(report: Report) -> tuple[range, range]:
    return contents_halves(report)


def space(paragraph: Any, before: float | None = None, after: float | None = None) -> None:
    """Direct spacing on one paragraph (points), where the style's does not collapse right."""
    fmt = paragraph.paragraph_format
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
