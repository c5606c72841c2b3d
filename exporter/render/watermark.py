"""A watermark (``DRAFT``, ``CONFIDENTIAL``) on every page of both formats.

PDF: the page's background image, an SVG of the text in the brand's bold heading font,
turned :data:`ANGLE` degrees across the middle of the page. WeasyPrint draws page
backgrounds first (so the content stays on top) and marks them as artifacts
(``/Artifact`` marked content, outside the structure tree), so screen readers skip
the watermark; text extraction still finds it, since WeasyPrint draws SVG text as
text. The colour is the brand's primary mixed with white (a solid colour: PDF/A-1
forbids transparency). A page-margin box was tried first: it stays out of the
structure tree too, but WeasyPrint paints margin boxes over the content, and with
``z-index: -1`` it misplaces the turned box.

DOCX: the shape Word itself makes under Design > Watermark, a VML WordArt shape
(``v:shape`` with ``v:textpath``, id ``PowerPlusWaterMarkObject...``) in the header,
which every page shows; Word lists it as the document's watermark and can remove it.
LibreOffice draws it as Fontwork, which its PDF export writes as outlines, not text.
The shape is sized and turned as the PDF's text (see :func:`vml_run`); LibreOffice
(7.4) draws WordArt in the regular weight whatever the shape asks for. A turned text
box of real bold text was tried: LibreOffice 7.4 does not turn a text box's text.

The text is one line of at most :data:`MAX_LENGTH` printable characters; a long one gets
a smaller font so it fits across the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from exporter.errors import RenderError
from exporter.fonts.css import css_string
from exporter.model.brand import Brand

MAX_LENGTH = 40
#: How far the text turns, counter-clockwise from the horizontal, in both formats.
ANGLE = 55
#: How much of the brand's primary colour the watermark keeps (the rest is white).
STRENGTH = 0.14
#: Font size of a short watermark, and the length it shrinks to fit (millimetres).
FONT_SIZE_MM, LINE_MM = 40.0, 250.0
#: Average advance of a bold capital, in ems (how a long text's size is estimated).
EM_PER_CHAR = 0.66
#: Page sizes in millimetres.
PAGE_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}


def check(text: str) -> str:
    """The watermark text, or a :class:`RenderError` saying what is wrong with it."""
    if len(text) > MAX_LENGTH:
        raise RenderError(f"--watermark: {len(text)} characters; at most {MAX_LENGTH}")
    if not text.isprintable():
        raise RenderError("--watermark: one line of printable characters only")
    if text != text.strip():
        raise RenderError("--watermark: no leading or trailing spaces")
    return text


def colour(brand: Brand) -> str:
    """The brand's primary colour, lightened: ``#rrggbb``."""
    primary = brand.colours.primary.lstrip("#")
    channels = (int(primary[i : i + 2], 16) for i in (0, 2, 4))
    return "#" + "".join(f"{round(255 - (255 - c) * STRENGTH):02x}" for c in channels)


def font_size(text: str) -> float:
    """Millimetres: :data:`FONT_SIZE_MM`, smaller for a text too long to fit at that size."""
    return round(min(FONT_SIZE_MM, LINE_MM / (EM_PER_CHAR * max(len(text), 1))), 1)


def svg(text: str, brand: Brand) -> str:
    """The page-sized SVG of the watermark, in millimetre units."""
    width, height = PAGE_MM[brand.page_size]
    x, y, size = width / 2, height / 2, font_size(check(text))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' width="{width}mm" height="{height}mm" viewBox="0 0 {width} {height}">'
        f'<text x="{x}" y="{y + 0.35 * size:.2f}" transform="rotate(-{ANGLE} {x} {y})"'
        f' text-anchor="middle" font-family={quoteattr(brand.fonts.heading)}'
        f' font-weight="700" font-size="{size}" fill="{colour(brand)}">'
        f"{escape(text)}</text></svg>"
    )


def css(text: str, brand: Brand) -> str:
    """The page rule that puts ``text`` behind the content of every page of the PDF."""
    url = "data:image/svg+xml," + quote(svg(text, brand), safe="")
    return (
        f"@page {{ background-image: url({css_string(url)}); background-repeat: no-repeat; "
        "background-position: center; background-size: 100% 100%; }\n"
    )


#: Word's own shape type for plain WordArt text (``o:spt="136"``), as Word writes it.
_SHAPE_TYPE = """
<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
  path="m@7,l@8,m@5,21600l@6,21600e">
 <v:formulas>
  <v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>
  <v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>
  <v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>
  <v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/>
  <v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/>
 </v:formulas>
 <v:path textpathok="t" o:connecttype="custom"
   o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>
 <v:textpath on="t" fitshape="t"/>
 <v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>
 <o:lock v:ext="edit" text="t" shapetype="t"/>
</v:shapetype>
"""


#: Cap height of the watermark's capitals, in ems (IBM Plex Sans: 0.698).
CAP_HEIGHT = 0.7


def vml_run(text: str, brand: Brand, shape_id: int = 1) -> Any:
    """A ``w:r`` holding Word's watermark shape for ``text``, sized as the PDF draws it.

    WordArt stretches its text to fill the shape, so the shape is the size the text
    takes in the PDF (as tall as the capitals, as wide as the text in the bold heading
    face) and turned by the same :data:`ANGLE`, centred on the page.
    """
    from docx.oxml import parse_xml  # here: a PDF-only render never loads python-docx

    text = check(text)
    size_pt = font_size(text) * 72 / 25.4
    height = CAP_HEIGHT * size_pt
    width = _advance(text, brand) * size_pt
    style = (
        "position:absolute;margin-left:0;margin-top:0;"
        f"width:{width:.1f}pt;height:{height:.1f}pt;rotation:{360 - ANGLE};"
        "z-index:-251654144;"
        "mso-position-horizontal:center;mso-position-horizontal-relative:page;"
        "mso-position-vertical:center;mso-position-vertical-relative:page"
    )
    family = brand.fonts.heading.replace('"', "")
    text_style = 'font-family:"' + family + '";font-size:1pt;font-weight:bold'
    return parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        ' xmlns:v="urn:schemas-microsoft-com:vml"'
        ' xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:w10="urn:schemas-microsoft-com:office:word">'
        "<w:rPr><w:noProof/></w:rPr><w:pict>"
        + _SHAPE_TYPE
        + f'<v:shape id="PowerPlusWaterMarkObject{shape_id}" o:spid="_x0000_s{2048 + shape_id}"'
        f' type="#_x0000_t136" style="{style}" o:allowincell="f"'
        f' fillcolor="{colour(brand)}" stroked="f">'
        '<v:fill opacity="1"/>'
        f"<v:textpath style={quoteattr(text_style)}"
        f" string={quoteattr(text)}/>"
        '<w10:wrap anchorx="page" anchory="page"/>'
        "</v:shape></w:pict></w:r>"
    )


def _advance(text: str, brand: Brand) -> float:
    """The width of ``text`` in the brand's bold heading face, in ems (estimated without it)."""
    from exporter.render.docx.measure import metrics_for

    bold = metrics_for(brand.faces, brand.fonts.heading).bold
    if not bold:
        return EM_PER_CHAR * len(text)
    return sum(bold.get(char, EM_PER_CHAR) for char in text)


def add_to_header(header: Any, text: str, brand: Brand, shape_id: int = 1) -> None:
    """Put Word's watermark for ``text`` in a header (every page using it shows it)."""
    header.paragraphs[0]._p.append(vml_run(text, brand, shape_id))
