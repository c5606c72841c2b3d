"""Bar chart geometry shared by both formats.

:func:`layout` turns a :class:`~exporter.report.outline.Chart` into bars measured
in a fixed coordinate space. The HTML template draws them as vector SVG;
:mod:`exporter.render.docx.chart_png` draws the same geometry for Word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from exporter.report.outline import Chart

WIDTH = 480
ROW_HEIGHT = 44
BAR_HEIGHT = 26
LABEL_WIDTH = 150  # the least room for the bar labels
#: Average advance of a label character as the PDF draws it, and the most room for labels
LABEL_CHAR, MAX_LABEL_WIDTH = 9.0, 280
#: The key of a chart whose bars are all projections, and the room it takes below them.
LEGEND, LEGEND_HEIGHT = "Projected salary", 22
VALUE_GAP = 8
VALUE_ROOM = 90  # space kept right of the longest bar for its value label
TOP = 8


@dataclass(frozen=True)
class BarBox:
    label: str
    display: str
    x: float
    y: float
    width: float
    height: float
    label_y: float  # text baseline
    colour_role: Literal["primary", "accent"]


@dataclass(frozen=True)
class ChartLayout:
    width: int
    height: int
    bars: tuple[BarBox, ...]
    axis_x: float
    #: a key under the bars naming what their colour means ("" when the labels say it)
    legend: str = ""
    legend_y: float = 0


def label_width(chart: Chart) -> float:
    """Room left of the bars for the longest label, so every label shows in full."""
    longest = max((len(bar.label) for bar in chart.bars), default=0)
    return min(max(LABEL_WIDTH, round(LABEL_CHAR * longest + 2 * VALUE_GAP)), MAX_LABEL_WIDTH)


def layout(chart: Chart) -> ChartLayout:
    """Bars scaled from zero, so lengths compare honestly."""
    top_value = max((bar.value for bar in chart.bars), default=1) or 1
    left = label_width(chart)
    span = WIDTH - left - VALUE_ROOM
    boxes = []
    for index, bar in enumerate(chart.bars):
        y = TOP + index * ROW_HEIGHT
        boxes.append(
            BarBox(
                label=bar.label,
                display=bar.display,
                x=left,
                y=y,
                width=round(float(bar.value / top_value) * span, 2),
                height=BAR_HEIGHT,
                label_y=y + BAR_HEIGHT / 2 + 5,
                colour_role="accent"
                if chart.accent == "all" or index == len(chart.bars) - 1
                else "primary",
            )
        )
    height = TOP * 2 + ROW_HEIGHT * len(chart.bars)
    legend = LEGEND if chart.accent == "all" else ""
    return ChartLayout(
        width=WIDTH,
        height=height + (LEGEND_HEIGHT if legend else 0),
        bars=tuple(boxes),
        axis_x=left,
        legend=legend,
        legend_y=height + 4,
    )
