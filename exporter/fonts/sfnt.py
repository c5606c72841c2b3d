"""Just enough of the OpenType file format to describe a font without fontTools.

Loading a brand reads each font's weight range, style and character map. fontTools
does that too, but importing it costs a noticeable part of a one-role ``exporter
render``; these few tables are read here directly from the file's bytes. Anything
this reader does not understand raises :class:`SfntError`, and callers fall back
to fontTools.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


class SfntError(ValueError):
    """The bytes are not a font this reader understands."""


@dataclass(frozen=True)
class SfntInfo:
    weight_min: int
    weight_max: int
    italic: bool
    variable: bool


def _tables(data: bytes) -> dict[bytes, bytes]:
    try:
        version, count = struct.unpack_from(">4sH", data, 0)
        if version not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            raise SfntError("not a TrueType or OpenType font")
        tables = {}
        for index in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
            if offset + length > len(data):
                raise SfntError(f"table {tag!r} runs past the end of the file")
            tables[tag] = data[offset : offset + length]
    except struct.error:
        raise SfntError("truncated font file") from None
    return tables


def info(data: bytes) -> SfntInfo:
    """Weight range, italic flag and whether the font is variable."""
    tables = _tables(data)
    try:
        weight = struct.unpack_from(">H", tables[b"OS/2"], 4)[0]
        selection = struct.unpack_from(">H", tables[b"OS/2"], 62)[0]
        mac_style = struct.unpack_from(">H", tables[b"head"], 44)[0]
        low = high = weight
        variable = b"fvar" in tables
        if variable:
            fvar = tables[b"fvar"]
            offset, count, size = struct.unpack_from(">HxxHH", fvar, 4)
            low = high = 400
            for index in range(count):
                tag, minimum, _, maximum = struct.unpack_from(">4siii", fvar, offset + index * size)
                if tag == b"wght":
                    low, high = minimum >> 16, maximum >> 16
    except (KeyError, struct.error):
        raise SfntError("missing or truncated OS/2, head or fvar table") from None
    return SfntInfo(low, high, bool(selection & 1) or bool(mac_style & 2), variable)


def code_points(data: bytes) -> frozenset[int]:
    """Code points the font maps to a glyph (cmap formats 4 and 12)."""
    tables = _tables(data)
    try:
        cmap = tables[b"cmap"]
        _, count = struct.unpack_from(">HH", cmap, 0)
        subtables = {}
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
            subtables[platform, encoding] = offset
        for key in ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3)):
            if key in subtables:
                offset = subtables[key]
                fmt = struct.unpack_from(">H", cmap, offset)[0]
                if fmt == 12:
                    return _format12(cmap, offset)
                if fmt == 4:
                    return _format4(cmap, offset)
    except (KeyError, struct.error):
        raise SfntError("missing or truncated cmap table") from None
    raise SfntError("no Unicode cmap in format 4 or 12")


def _format12(cmap: bytes, offset: int) -> frozenset[int]:
    groups = struct.unpack_from(">I", cmap, offset + 12)[0]
    found: set[int] = set()
    for index in range(groups):
        start, end, glyph = struct.unpack_from(">III", cmap, offset + 16 + 12 * index)
        found.update(range(start + (glyph == 0), end + 1))
    return frozenset(found)


def _format4(cmap: bytes, offset: int) -> frozenset[int]:
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts_at = offset + 16 + 2 * segments
    starts = struct.unpack_from(f">{segments}H", cmap, starts_at)
    deltas = struct.unpack_from(f">{segments}h", cmap, starts_at + 2 * segments)
    ranges_at = starts_at + 4 * segments
    ranges = struct.unpack_from(f">{segments}H", cmap, ranges_at)
    found: set[int] = set()
    for index in range(segments):
        start, end, delta, range_offset = starts[index], ends[index], deltas[index], ranges[index]
        if start == 0xFFFF:
            continue
        for char in range(start, end + 1):
            if range_offset == 0:
                glyph = (char + delta) & 0xFFFF
            else:
                at = ranges_at + 2 * index + range_offset + 2 * (char - start)
                glyph = struct.unpack_from(">H", cmap, at)[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                found.add(char)
    return frozenset(found)
