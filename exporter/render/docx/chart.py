"""The report's bar chart as a native, editable Word chart (DrawingML), not a picture.

python-pptx writes the chart part (``c:chartSpace``: a clustered bar chart) and, through
XlsxWriter, the workbook that holds its figures; this module styles the part (brand
colours and font, value labels in the report's money format, the title) and wires both
into the DOCX: ``word/charts/chartN.xml`` related from the document, the workbook under
``word/embeddings/`` related from the chart (``c:externalData``), and an inline drawing
whose ``a:graphicData`` points at the chart, with the chart's alt text on ``wp:docPr``.
Word's "Edit Data" opens the workbook; LibreOffice draws the chart from the same part.

Value labels use an Excel number format made from the way the report shows the money
(``$141,344`` gives ``"$"#,##0``), so they stay live when a reader edits the figures; Word
and LibreOffice apply their own locale's grouping separator to it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from lxml import etree
from pptx.chart.chart import Chart as PptxChart
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_MARK
from pptx.oxml import parse_xml as parse_chart_xml
from pptx.util import Pt as PptxPt

from exporter.model.brand import Brand
from exporter.report import chart as geometry
from exporter.report.outline import Chart

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
#: The workbook's creation date: fixed, so equal reports give equal bytes.
WORKBOOK_CREATED = datetime(2000, 1, 1)
#: Label size in points: as large as the PDF's SVG labels come out.
LABEL_SIZE = 10.5

_NS = {
    "c": CHART_URI,
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


class _FixedDateWorkbookWriter(CategoryWorkbookWriter):
    """python-pptx's workbook writer with a fixed creation date (XlsxWriter stamps now)."""

    @contextmanager
    def _open_worksheet(self, xlsx_file: io.BytesIO) -> Iterator[tuple[Any, Any]]:
        from xlsxwriter import Workbook

        workbook = Workbook(xlsx_file, {"in_memory": True})
        workbook.set_properties({"created": WORKBOOK_CREATED})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _ChartData(CategoryChartData):
    @property
    def _workbook_writer(self) -> _FixedDateWorkbookWriter:
        writer = self.__dict__.get("_writer")
        if writer is None:
            writer = self.__dict__["_writer"] = _FixedDateWorkbookWriter(self)  # type: ignore[no-untyped-call]
        return writer


_NUMBER = re.compile(r"\d(?:[\d.,'\u00a0\u202f ]*\d)?")


def money_format_code(display: str) -> str:
    """An Excel number format that shows whole amounts as ``display`` does (``"$"#,##0``)."""
    match = _NUMBER.search(display)
    if match is None:
        return "#,##0"
    before, after = display[: match.start()], display[match.end() :]

    def quoted(text: str) -> str:
        text = text.replace('"', "")
        return f'"{text}"' if text else ""

    return f"{quoted(before)}#,##0{quoted(after)}"


def chart_data(block: Chart, number_format: str) -> _ChartData:
    """The chart's figures as python-pptx chart data: one category per bar, one series."""
    data = _ChartData(number_format=number_format)  # type: ignore[no-untyped-call]
    data.categories = [bar.label for bar in block.bars]
    name = geometry.layout(block).legend or block.title
    data.add_series(name, [float(bar.value) for bar in block.bars], number_format)  # type: ignore[no-untyped-call]
    return data


def chart_space(block: Chart, brand: Brand, data: _ChartData) -> Any:
    """The styled ``c:chartSpace`` element (no workbook reference yet)."""
    element = parse_chart_xml(data.xml_bytes(XL_CHART_TYPE.BAR_CLUSTERED))  # type: ignore[no-untyped-call]
    chart = PptxChart(element, None)  # type: ignore[no-untyped-call]
    chart.has_legend = bool(geometry.layout(block).legend)  # all bars one colour: say what
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.has_title = False  # the caption under the chart is its title, as in the PDF
    chart.font.name = brand.fonts.body
    chart.font.size = PptxPt(LABEL_SIZE)
    colours = brand.colours
    chart.font.color.rgb = _pptx_rgb(colours.text)

    categories = chart.category_axis
    categories.reverse_order = True  # first bar on top, as in the PDF
    categories.format.line.color.rgb = _pptx_rgb(colours.muted)
    categories.has_major_gridlines = False
    categories.major_tick_mark = XL_TICK_MARK.NONE
    values = chart.value_axis
    values.visible = False
    values._element.find("c:delete", _NS).set("val", "1")
    values.has_major_gridlines = False
    values.minimum_scale = 0  # from zero, so lengths compare honestly
    # The PDF keeps room right of the longest bar for its value: so does the plot here.
    top = max((float(bar.value) for bar in block.bars), default=0) or 1
    span = geometry.WIDTH - geometry.label_width(block) - geometry.VALUE_ROOM
    values.maximum_scale = top * (span + geometry.VALUE_ROOM) / span

    plot = chart.plots[0]
    plot.gap_width = 60
    plot.vary_by_categories = False
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = data.number_format
    labels.number_format_is_linked = False
    labels.show_value = True
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.bold = False
    labels.font.size = PptxPt(LABEL_SIZE)
    # One line per label: LibreOffice otherwise wraps a long amount beside a long bar.
    labels._element.get_or_add_txPr().find("a:bodyPr", _NS).set("wrap", "none")
    series = plot.series[0]
    boxes = geometry.layout(block).bars
    if block.accent == "all":  # the legend's key takes the series' own colour
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _pptx_rgb(colours.accent)
    for box, point in zip(boxes, series.points, strict=False):
        fill = point.format.fill
        fill.solid()
        fill.fore_color.rgb = _pptx_rgb(getattr(colours, box.colour_role))
    _no_frame(element)
    return element


def _no_frame(element: Any) -> None:
    """No border or rounded corners around the chart (the PDF draws none)."""
    chart = element.find("c:chart", _NS)
    corners = etree.Element(f"{{{CHART_URI}}}roundedCorners", val="0")
    chart.addprevious(corners)
    shape = etree.Element(f"{{{CHART_URI}}}spPr")
    etree.SubElement(shape, f"{{{_NS['a']}}}noFill")
    line = etree.SubElement(shape, f"{{{_NS['a']}}}ln")
    etree.SubElement(line, f"{{{_NS['a']}}}noFill")
    chart.addnext(shape)


def _pptx_rgb(colour: str) -> Any:
    from pptx.dml.color import RGBColor as PptxRGB

    return PptxRGB.from_string(colour.lstrip("#").upper())  # type: ignore[no-untyped-call]


def add_chart(
    document: Any, paragraph: Any, block: Chart, brand: Brand, width: int, height: int
) -> None:
    """Place ``block`` as an editable chart in ``paragraph`` of ``document``."""
    shown = block.bars[0].display if block.bars else ""
    data = chart_data(block, money_format_code(shown))
    element = chart_space(block, brand, data)

    package = document.part.package
    workbook = Part(
        package.next_partname("/word/embeddings/Microsoft_Excel_Worksheet%d.xlsx"),
        XLSX_CONTENT_TYPE,
        data.xlsx_blob,
        package,
    )
    chart_part = XmlPart(
        package.next_partname("/word/charts/chart%d.xml"), CHART_CONTENT_TYPE, element, package
    )
    workbook_rel = chart_part.relate_to(workbook, RT.PACKAGE)
    external = etree.SubElement(element, f"{{{CHART_URI}}}externalData")
    external.set(f"{{{_NS['r']}}}id", workbook_rel)
    etree.SubElement(external, f"{{{CHART_URI}}}autoUpdate").set("val", "0")
    _order_external_data(element)
    chart_rel = document.part.relate_to(chart_part, RT.CHART)

    shape_id = document.part.next_id
    paragraph.add_run()._r.append(
        parse_xml(_inline_xml(chart_rel, shape_id, block, int(width), int(height)))
    )


def _order_external_data(element: Any) -> None:
    """Move ``c:externalData`` after ``c:txPr`` as the schema orders chartSpace's children."""
    external = element.find("c:externalData", _NS)
    text_props = element.find("c:txPr", _NS)
    anchor = text_props if text_props is not None else element.find("c:chart", _NS)
    anchor.addnext(external)


def _inline_xml(rel_id: str, shape_id: int, block: Chart, width: int, height: int) -> str:
    """A ``w:drawing`` holding an inline chart frame with the chart's alt text."""
    descr = etree.Element("x", descr=block.alt, title=block.title)
    attributes = etree.tostring(descr, encoding="unicode")[3:-2]
    return (
        '<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
        f' xmlns:a="{_NS["a"]}" xmlns:c="{CHART_URI}" xmlns:r="{_NS["r"]}">'
        '<wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{width}" cy="{height}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{shape_id}" name="Chart {shape_id}" {attributes}/>'
        "<wp:cNvGraphicFramePr/>"
        f'<a:graphic><a:graphicData uri="{CHART_URI}"><c:chart r:id="{rel_id}"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing>"
    )
