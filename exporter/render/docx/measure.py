"""How wide text is in the brand's fonts, and how many lines it takes at a width.

The DOCX's contents carry page numbers that LibreOffice shows as they are and that
Word refreshes; :mod:`exporter.render.docx.pages` computes them by laying the
document out the way the PDF's stylesheet does. That needs the line count of every
paragraph, which needs the advance width of every character: read here once per
font file from its ``hmtx`` table (no shaping; kerning moves a line end by a
fraction of a point, which rarely changes a line count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from exporter.fonts.faces import FontFace

#: Width of a character the font lacks, in ems (about an average lowercase letter).
MISSING_ADVANCE = 0.55


@dataclass(frozen=True)
class Metrics:
    """Advance widths in ems, by character, of one regular and one bold face."""

    regular: dict[str, float]
    bold: dict[str, float]

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The width of ``text`` at ``size`` points, in points."""
        table = self.bold if bold else self.regular
        return size * sum(table.get(char, MISSING_ADVANCE) for char in text)


@lru_cache(maxsize=16)
def _advances(path: Path) -> dict[str, float]:
    with TTFont(path, lazy=True) as font:
        # unitsPerEm read raw: decoding 'head' logs a warning for fonts dated 1970
        scale = 1 / int.from_bytes(font.reader["head"][18:20], "big")
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap() or {}
        return {chr(code): metrics[glyph][0] * scale for code, glyph in cmap.items()}


def metrics_for(faces: tuple[FontFace, ...], family: str) -> Metrics:
    """The metrics of ``family``'s upright regular and bold faces (estimates if missing)."""

    def face(weight: int) -> dict[str, float]:
        for candidate in faces:
            if (
                candidate.family == family
                and not candidate.italic
                and candidate.weight_min <= weight <= candidate.weight_max
            ):
                return _advances(candidate.path)
        return {}

    return Metrics(face(400), face(700))


#: Where a line may break: after a space, or after a hyphen or slash inside a word.
_PIECES = re.compile(r"[^\s\-/]*[\-/]+|\S+\s*|\s+")


def line_count(
    metrics: Metrics, runs: tuple[tuple[str, bool], ...], size: float, width: float
) -> int:
    """Lines that ``runs`` ((text, bold) pairs) take at ``size`` points in ``width`` points.

    Greedy filling, as both LibreOffice and WeasyPrint break lines: a piece that does
    not fit starts a new line; trailing spaces hang past the edge. Widths in ems.
    """
    limit = width / size
    lines, used = 1, 0.0
    for text, bold in runs:
        get = (metrics.bold if bold else metrics.regular).get
        space = get(" ", MISSING_ADVANCE)
        for piece in _PIECES.findall(text):
            word = piece.rstrip()
            ink = sum([get(char, MISSING_ADVANCE) for char in word])
            if used and used + ink > limit:
                lines, used = lines + 1, 0.0
            if not used and not word:
                continue
            while ink > limit and len(word) > 1:  # a word longer than the line breaks anywhere
                lines += 1
                word = word[len(word) // 2 :]
                ink = sum([get(char, MISSING_ADVANCE) for char in word])
            used += ink + (len(piece) - len(word)) * space
    return lines
