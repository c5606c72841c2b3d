"""Repair scraped text whose UTF-8 bytes were decoded as Thai (TIS-620/cp874).

The publisher's pages arrive with every non-ASCII character mangled: the UTF-8
bytes of ``·`` (C2 B7) were read as TIS-620 and came out as ``ยท``. Where all the
bytes survived, encoding the Thai characters back to cp874 and decoding them as
UTF-8 restores the original exactly. TIS-620 has no characters for bytes 80-9F,
so those bytes were dropped: an em dash (E2 80 94) is left as a lone ``โ`` and
an emoji (F0 9F 9A 80) as ``๐``. Those cannot be decoded; :func:`repair_text`
restores what the context makes unambiguous (a spaced dash; before an amount, the
only currency symbol whose remaining bytes fit, ``โฌ`` -> ``€``) and leaves the rest.

The repair is conservative: a page genuinely written in Thai is returned as it
is. Thai text almost always holds runs of characters that cannot be the bytes of
UTF-8 even with bytes lost (two continuation bytes in a row after a one-byte
lead, a continuation byte with no lead); a single such run marks the page as
Thai, and then nothing in it is touched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from itertools import combinations, product

#: What bytes 80-A0 became where they were not dropped: cp874's characters, or
#: C1 controls (Python's TIS-620 codec). A mis-decoded UTF-8 sequence may hold
#: them after its first, Thai, character.
_CP874_EXTRA = "\u20ac\u2026\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u00a0\x80-\x9f"

#: Thai characters, but the baht sign: "฿" is a currency symbol pages use as it is
#: (as mis-decoded bytes it would be a lead byte of the rare NKo script).
_THAI_CLASS = "\u0e00-\u0e3e\u0e40-\u0e7f"

#: A run of mis-decoded bytes always starts with a Thai character (lead bytes
#: C2-F4 are all Thai in TIS-620).
_RUN = re.compile(f"[{_THAI_CLASS}][{_THAI_CLASS}{_CP874_EXTRA}]*")

_THAI = re.compile(f"[{_THAI_CLASS}]")

#: A lone ``โ`` between spaced words: the first byte of an em dash (E2 80 94).
_LOST_DASH = re.compile("(?<=\\S )\u0e42(?= \\S)")

#: Spaces that may stand between an amount and its sign.
_SPACES = " \u00a0\u202f"

#: A run between digits: a grouping separator (a narrow no-break space is E2 80 AF, read ``โฏ``).
_IN_AMOUNT = re.compile(f"(?<=\\d){_RUN.pattern}(?=\\d{{3}}(?!\\d))")

#: A run right before or after an amount: a currency sign (``€`` is E2 82 AC, read ``โฌ``),
#: perhaps with the no-break space beside it (C2 A0, read ``ย``).
_NEAR_AMOUNT = re.compile(
    f"{_RUN.pattern}(?=[{_SPACES}]?\\d)|(?<=\\d)(?P<space>[{_SPACES}]?){_RUN.pattern}"
)


#: A run left at the start of a line before a heading: the remnant of an icon.
_LEADING_RUN = re.compile(f"^\\s*{_RUN.pattern}\\s*")


def _sequence_length(lead: int) -> int:
    """Bytes in the UTF-8 sequence that starts with ``lead``; 0 if it cannot start one."""
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _sequences(data: bytes) -> list[bytes] | None:
    """Split bytes into UTF-8 sequences, some perhaps cut short; None if not UTF-8 at all."""
    pieces = []
    start = 0
    while start < len(data):
        length = _sequence_length(data[start])
        if not length:
            return None
        end = start + 1
        while end < len(data) and end - start < length and 0x80 <= data[end] <= 0xBF:
            end += 1
        pieces.append(data[start:end])
        start = end
    return pieces


def _byte(char: str) -> bytes:
    code = ord(char)
    return bytes([code]) if 0x80 <= code <= 0x9F else char.encode("cp874")


def _run_bytes(run: str) -> list[bytes] | None:
    try:
        return _sequences(b"".join(map(_byte, run)))
    except UnicodeEncodeError:
        return None


def is_thai_text(text: str) -> bool:
    """True if ``text`` holds Thai that cannot be mis-decoded UTF-8: real Thai, not damage."""
    return any(_run_bytes(match.group()) is None for match in _RUN.finditer(text))


def _decode_run(run: str) -> str:
    pieces = _run_bytes(run)
    if pieces is None:
        return run
    out = []
    at = 0  # each character of the run is one byte
    for piece in pieces:
        try:
            out.append(piece.decode("utf-8"))
        except UnicodeDecodeError:
            # Bytes were lost: keep the characters as they are.
            out.append(run[at : at + len(piece)])
        at += len(piece)
    return "".join(out)


def decode_mojibake(text: str) -> str:
    """Decode every run of Thai characters that is whole UTF-8 read as cp874 (``ยท`` -> ``·``)."""
    if is_thai_text(text):
        return text
    return _RUN.sub(lambda match: _decode_run(match.group()), text)


def _candidates(piece: bytes) -> set[str]:
    """Every character whose UTF-8 bytes, less some lost in 80-A0, are ``piece``."""
    missing = _sequence_length(piece[0]) - len(piece)
    if not 0 < missing <= 2:
        return set()
    length = len(piece) + missing
    found = set()
    for lost_at in combinations(range(1, length), missing):
        kept_at = [i for i in range(1, length) if i not in lost_at]
        for lost in product(range(0x80, 0xA1), repeat=missing):
            data = bytearray(length)
            data[0] = piece[0]
            for where, byte in [
                *zip(kept_at, piece[1:], strict=True),
                *zip(lost_at, lost, strict=True),
            ]:
                data[where] = byte
            try:
                found.add(data.decode("utf-8"))
            except UnicodeDecodeError:
                continue
    return found


def _restore(
    run: str, prefer: str | tuple[str, ...], kinds: tuple[str, ...] | None = None
) -> str | None:
    """``run`` with each sequence that lost bytes restored, or None if one is not certain.

    A sequence becomes the one character of a category in ``kinds`` (``Sc`` currency
    signs, ``Zs`` spaces) whose remaining bytes fit; if several fit, the one of them
    in ``prefer`` (the signs or separators of the page's country). Without ``kinds``
    only a character in ``prefer`` will do.
    """
    pieces = _run_bytes(run)
    if pieces is None:
        return None
    out = []
    for piece in pieces:
        try:
            out.append(piece.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        fits = _candidates(piece)
        if kinds is not None:
            fits = {char for char in fits if unicodedata.category(char) in kinds}
        if kinds is None or len(fits) > 1:
            fits = {char for char in fits if char in prefer}
        if len(fits) != 1:
            return None
        out.append(fits.pop())
    return "".join(out)


def is_damage(text: str) -> bool:
    """True if ``text`` is one run of mis-decoded bytes (not real Thai): ``โ``, ``โฌ``."""
    return bool(_RUN.fullmatch(text)) and _run_bytes(text) is not None


def lost_signs(run: str) -> set[str]:
    """The currency signs a damaged ``run`` may have been, lost bytes and all."""
    pieces = _run_bytes(run)
    if pieces is None or len(pieces) != 1:
        return set()
    return {char for char in _candidates(pieces[0]) if unicodedata.category(char) == "Sc"}


#: One run of mis-decoded bytes, as a regex (for finding damaged currency signs).
DAMAGE = _RUN.pattern


def repair_text(text: str, signs: tuple[str, ...] = (), separators: str = "") -> str:
    """Undo the Thai mis-decoding of ``text``, and restore dashes and currency signs.

    ``signs`` and ``separators`` are the currency signs and grouping separators of
    the page's country: they decide between characters whose remaining bytes fit
    equally (``โ`` before an amount is one of several signs that lost two bytes).
    """
    if is_thai_text(text):
        return text
    text = _LOST_DASH.sub("\u2014", decode_mojibake(text))
    text = _IN_AMOUNT.sub(lambda m: _restore(m.group(), separators) or m.group(), text)
    return _NEAR_AMOUNT.sub(partial(_restore_sign, prefer=(*signs, *_SPACES)), text)


def _restore_sign(match: re.Match[str], prefer: tuple[str, ...]) -> str:
    space = match["space"] or ""
    run = match.group()[len(space) :]
    return space + (_restore(run, prefer, ("Sc", "Zs")) or run)


def strip_icon_remnant(line: str) -> str:
    """``line`` without a leading remnant of an icon (``๐ก๏ธ Career Moat`` -> ``Career Moat``)."""
    if is_thai_text(line):
        return line
    return _LEADING_RUN.sub("", line, count=1)


def damaged_characters(text: str) -> list[str]:
    """Runs of Thai characters left in text that is not Thai: damage that could not be undone."""
    if is_thai_text(text):
        return []
    return [match.group() for match in _RUN.finditer(text) if _THAI.search(match.group())]
