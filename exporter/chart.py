"""Bar chart geometry shared by both formats, and its picture for the DOCX.

:func:`layout` turns a :class:`~exporter.outline.Chart` into bars measured in a
fixed coordinate space. The HTML template draws them as vector SVG; :func:`png`
draws the same geometry with Pillow for Word, which needs a picture.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from exporter.brand import Brand
from exporter.outline import Chart

WIDTH = 480
ROW_HEIGHT = 44
BAR_HEIGHT = 26
LABEL_WIDTH = 150
VALUE_GAP = 8
VALUE_ROOM = 90  # space kept right of the longest bar for its value label
TOP = 8

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True)
class BarBox:
    label: str
    display: str
    x: float
    y: float
    width: float
    height: float
    label_y: float  # text baseline
    colour_role: str  # "primary" or "accent"


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


@cache
def _font_path(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    return None


def png(chart: Chart, brand: Brand, scale: int = 4) -> bytes:
    """The chart as a PNG, drawn at ``scale`` times the layout size for print."""
    from PIL import Image, ImageDraw, ImageFont

    geometry = layout(chart)
    image = Image.new("RGB", (geometry.width * scale, geometry.height * scale), "white")
    draw = ImageDraw.Draw(image)

    def font(bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        path = _font_path(bold)
        if path is None:
            return ImageFont.load_default(size=13 * scale)
        return ImageFont.truetype(str(path), 13 * scale)

    regular, bold = font(False), font(True)
    colours = {"primary": brand.colours.primary, "accent": brand.colours.accent}
    for box in geometry.bars:
        top, bottom = box.y * scale, (box.y + box.height) * scale
        draw.rectangle(
            (box.x * scale, top, (box.x + max(box.width, 1)) * scale, bottom),
            fill=colours[box.colour_role],
        )
        middle = (top + bottom) / 2
        draw.text(
            ((box.x - VALUE_GAP) * scale, middle),
            box.label,
            font=regular,
            fill=brand.colours.text,
            anchor="rm",
        )
        draw.text(
            ((box.x + box.width + VALUE_GAP) * scale, middle),
            box.display,
            font=bold,
            fill=brand.colours.text,
            anchor="lm",
        )
    draw.line(
        (geometry.axis_x * scale, 0, geometry.axis_x * scale, geometry.height * scale),
        fill=brand.colours.muted,
        width=scale,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
