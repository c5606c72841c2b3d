"""Where each imported fact was read: the sentence of the page that names it."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Where a sentence ends: after ., ! or ? and a space, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")


@dataclass(frozen=True)
class Evidence:
    """One fact of a role file and the sentence of the page it was read from."""

    fact: str  #: the role file's field, dotted: ``salary.current_average``
    value: str  #: the value imported, as text
    section: str  #: where the sentence stands: ``title``, ``header``, a section's name
    sentence: str

    def as_dict(self) -> dict[str, str]:
        return {
            "fact": self.fact,
            "value": self.value,
            "section": self.section,
            "sentence": self.sentence,
        }


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that holds ``text[start:end]``."""
    begin = 0
    for boundary in _BOUNDARY.finditer(text):
        if boundary.end() <= start:
            begin = boundary.end()
        elif boundary.start() >= end:
            return text[begin : boundary.start()].strip()
    return text[begin:].strip()


def sentence_with(text: str, needle: str) -> str | None:
    """The first sentence of ``text`` that holds ``needle``; None if none does."""
    at = text.find(needle)
    return None if at < 0 else sentence_at(text, at, at + len(needle))


def quoted(sentence: str, limit: int = 90) -> str:
    """A sentence short enough to quote in a message, in quotation marks."""
    short = " ".join(sentence.split())
    return f"“{short if len(short) <= limit else short[: limit - 1] + '…'}”"
