"""The DOCX chart is a native Word chart whose figures live in an embedded workbook."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from lxml import etree

from exporter.render.docx.chart import CHART_CONTENT_TYPE, CHART_URI, money_format_code
from exporter.report.outline import Chart
from tests.readback import Tool, docx_document, docx_parts, docx_text, fold, libreoffice_pdf
from tests.seed_facts import SEED_FACTS

NS = {
    "c": CHART_URI,
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def chart_block(report) -> Chart:
    return next(b for s in report.sections for b in s.blocks if isinstance(b, Chart))


def relationships(parts: dict[str, bytes], rels_name: str) -> dict[str, tuple[str, str]]:
    root = etree.fromstring(parts[rels_name])
    return {r.get("Id"): (r.get("Type"), r.get("Target")) for r in root.iterfind("pr:*", NS)}


def test_chart_part_is_related_from_the_document_and_drawn_inline(report, docx_bytes):
    parts = docx_parts(docx_bytes)
    assert [n for n in parts if n.startswith("word/charts/chart")] == ["word/charts/chart1.xml"]
    types = etree.fromstring(parts["[Content_Types].xml"])
    override = types.find("ct:Override[@PartName='/word/charts/chart1.xml']", NS)
    assert override is not None and override.get("ContentType") == CHART_CONTENT_TYPE

    rels = relationships(parts, "word/_rels/document.xml.rels")
    chart_ids = [i for i, (kind, target) in rels.items() if kind == REL + "chart"]
    assert [rels[i][1] for i in chart_ids] == ["charts/chart1.xml"]
    document = etree.fromstring(parts["word/document.xml"])
    data = document.findall(".//wp:inline/a:graphic/a:graphicData", NS)
    charts = [d for d in data if d.get("uri") == CHART_URI]
    assert len(charts) == 1
    assert charts[0].find("c:chart", NS).get(f"{{{NS['r']}}}id") == chart_ids[0]
    doc_pr = charts[0].getparent().getparent().find("wp:docPr", NS)
    block = chart_block(report)
    assert doc_pr.get("descr") == block.alt and doc_pr.get("title") == block.title


def test_workbook_holds_the_figures(role, report, docx_bytes):
    parts = docx_parts(docx_bytes)
    rels = relationships(parts, "word/charts/_rels/chart1.xml.rels")
    space = etree.fromstring(parts["word/charts/chart1.xml"])
    rel_id = space.find("c:externalData", NS).get(f"{{{NS['r']}}}id")
    kind, target = rels[rel_id]
    assert kind == REL + "package" and target.startswith("../embeddings/")
    workbook = openpyxl.load_workbook(io.BytesIO(parts["word/" + target[3:]]))
    sheet = workbook.active
    block = chart_block(report)
    assert [sheet.cell(row, 1).value for row in (2, 3)] == ["Current average", "Projected"]
    assert [sheet.cell(row, 2).value for row in (2, 3)] == [float(bar.value) for bar in block.bars]
    facts = SEED_FACTS[role.slug]
    assert [float(re.sub(r"[^\d]", "", facts[k])) for k in ("current", "projected")] == [
        sheet.cell(row, 2).value for row in (2, 3)
    ]


def test_chart_part_labels_colours_and_no_title(report, docx_bytes):
    space = etree.fromstring(docx_parts(docx_bytes)["word/charts/chart1.xml"])
    bar_chart = space.find("c:chart/c:plotArea/c:barChart", NS)
    assert bar_chart.find("c:barDir", NS).get("val") == "bar"
    assert bar_chart.find("c:grouping", NS).get("val") == "clustered"
    labels = bar_chart.find("c:dLbls", NS)
    assert labels.find("c:showVal", NS).get("val") == "1"
    assert labels.find("c:numFmt", NS).get("formatCode") == '"$"#,##0'
    fills = [e.get("val") for e in bar_chart.iterfind("c:ser/c:dPt//a:srgbClr", NS)]
    assert fills == ["0B3D5C", "B5580C"]  # the default brand's primary, then accent
    # the caption under the chart names it, as in the PDF: no title inside the chart
    assert space.find("c:chart/c:title", NS) is None
    assert space.find("c:chart/c:autoTitleDeleted", NS).get("val") == "1"
    # room right of the longest bar for its value label, inside the plot
    top = max(bar.value for bar in chart_block(report).bars)
    maximum = float(space.find("c:chart/c:plotArea/c:valAx/c:scaling/c:max", NS).get("val"))
    assert maximum > float(top) * 1.2
    assert space.find("c:spPr/a:ln/a:noFill", NS) is not None  # no frame


def test_no_picture_of_the_chart_remains(docx_bytes):
    parts = docx_parts(docx_bytes)
    assert [n for n in parts if n.startswith("word/media/")] == ["word/media/image1.png"]  # logo
    assert len(docx_document(docx_bytes).inline_shapes) == 2  # logo and chart, both open


@pytest.mark.parametrize(
    ("display", "code"),
    [
        ("$141,344", '"$"#,##0'),
        ("141\u202f344\u00a0€", '#,##0"\u00a0€"'),
        ("CHF 1'200", '"CHF "#,##0'),
        ("12", "#,##0"),
        ("n/a", "#,##0"),
    ],
    ids=["dollar-prefix", "euro-suffix", "code-prefix", "bare", "no-number"],
)
def test_money_format_code(display, code):
    assert money_format_code(display) == code


@pytest.mark.consumer
@pytest.mark.slow
def test_libreoffice_draws_the_chart_with_its_values(role, docx_bytes, tmp_path):
    converted = libreoffice_pdf(docx_bytes, tmp_path, role.slug)
    text = fold(Tool("pdftotext").run(converted, "-").stdout)
    body = docx_text(docx_bytes)  # the document's own text, without the chart
    facts = SEED_FACTS[role.slug]
    for value in (facts["current"], facts["projected"]):
        assert text.count(value) == body.count(value) + 1  # the chart's value label
    assert text.count("Average salary, CAD") == 1  # the caption only: no title repeats it
