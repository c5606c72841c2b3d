"""Text damage other than the Thai kind: UTF-8 read as Windows-1252 or Latin-1, and what is left.

A page saved by a tool that took its UTF-8 bytes for Windows-1252 or Latin-1
reads ``rÃ©sumÃ©``, ``â€”`` and ``Ã¯``, with C1 control characters where
Windows-1252 has no character. ftfy, a library made for this, undoes it (and
mixtures of the two) where the bytes survived. :func:`damage_in` then finds
what no repair could undo, so that the importer refuses the page naming the
field, rather than publish garbled text.
"""

from __future__ import annotations

import re

import ftfy
from ftfy.badness import BADNESS_RE

from exporter.ingest import repair

#: What never stands in good text: C1 controls, the replacement character a decoder
#: puts where it gave up, and the first byte of a two-byte UTF-8 sequence read as
#: Latin-1 before its second (``Â¥``, ``Ã©``) where ftfy would not risk a repair.
_NEVER = re.compile("[\x80-\x9f\ufffd]|[\u00c2\u00c3][\u00a0-\u00bf]")

#: How many characters on each side of the damage an error quotes.
EXCERPT = 20


def fix_encoding(text: str) -> str:
    """``text`` with UTF-8 that was decoded as Windows-1252 or Latin-1 decoded right."""
    # Only the encoding: ftfy's other fixes (straight quotes, width, ligatures)
    # would change text that is not damaged.
    return ftfy.fix_encoding(text)


def damage_in(text: str, thai_allowed: bool = False) -> str | None:
    """A short excerpt around the first damage left in ``text``, or None if it looks clean.

    Damage is a C1 control or replacement character, a sequence ftfy knows as
    mojibake, or a Thai character in a page that is not written in Thai
    (``thai_allowed`` false): what is left of bytes read as TIS-620.
    """
    found = [match.start() for match in (_NEVER.search(text), BADNESS_RE.search(text)) if match]
    if not thai_allowed:
        runs = repair.damaged_characters(text) or _thai_characters(text)
        if runs:
            found.append(text.index(runs[0]))
    if not found:
        return None
    at = min(found)
    start, end = max(0, at - EXCERPT), min(len(text), at + EXCERPT)
    excerpt = " ".join(text[start:end].split())
    return ("…" if start else "") + excerpt + ("…" if end < len(text) else "")


def _thai_characters(text: str) -> list[str]:
    return re.findall("[\u0e00-\u0e3e\u0e40-\u0e7f]+", text)
