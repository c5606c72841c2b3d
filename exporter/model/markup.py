"""The one inline markup role text has: ``**bold**``.

Narrative fields of a role (and the publisher's pages they are imported from)
mark terms as bold with double asterisks. This is the single definition of that
markup: the report outline splits text into runs with it, the importer reads the
bold terms with it. An unmatched ``**`` stays literal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def split_bold(text: str) -> Iterator[tuple[str, bool]]:
    """The text as (piece, is_bold) pairs, in order, without the markup."""
    position = 0
    for match in BOLD.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False
        yield match.group(1), True
        position = match.end()
    if position < len(text):
        yield text[position:], False


def bold_terms(text: str) -> list[str]:
    """The bold terms of a text, stripped, in order, without repeats."""
    return list(dict.fromkeys(term.strip() for term in BOLD.findall(text) if term.strip()))


def without_bold(text: str) -> str:
    """The text with every bold term left out (what the rest of a sentence says)."""
    return BOLD.sub("", text)
