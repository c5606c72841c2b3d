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
LABEL_WIDTH = 150
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


def layout(chart: Chart) -> ChartLayout:
    """Bars scaled from zero, so lengths compare honestly."""
    top_value = max((bar.value for bar in chart.bars), default=1) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    boxes = []
    for index, bar in enumerate(chart.bars):
        y = TOP + index * ROW_HEIGHT
        boxes.append(
            BarBox(
                label=bar.label,
                display=bar.display,
                x=LABEL_WIDTH,
                y=y,
                width=round(float(bar.value / top_value) * span, 2),
                height=BAR_HEIGHT,
                label_y=y + BAR_HEIGHT / 2 + 5,
                colour_role="accent" if index == len(chart.bars) - 1 else "primary",
            )
        )
    return ChartLayout(
        width=WIDTH,
        height=TOP * 2 + ROW_HEIGHT * len(chart.bars),
        bars=tuple(boxes),
        axis_x=LABEL_WIDTH,
    )
