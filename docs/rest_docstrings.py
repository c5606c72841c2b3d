"""A griffe extension for the API reference: the package's reST docstring markup as Markdown.

The docstrings use reST's inline markup (````code````, ``:class:`~exporter.x.Name```) and
``::`` literal blocks, which mkdocstrings would show as they are. mkdocs.yml loads this
file; the docstrings themselves stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?[a-z]+:`(~?)([^`]+)`")
LITERAL = re.compile(r"``(.+?)``")


def role_text(match: re.Match[str]) -> str:
    """``:func:`~a.b.name``` as `name`, ``:mod:`a.b``` as `a.b` (as Sphinx shows them)."""
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def inline(text: str) -> str:
    """reST inline markup on one line as Markdown."""
    return ROLE.sub(role_text, LITERAL.sub(r"`\1`", text))


def literal_blocks(lines: list[str]) -> list[str]:
    """Paragraphs ending in ``::`` and the indented block after them, as fenced code."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.rstrip().endswith("::"):
            out.append(inline(line))
            continue
        text = line.rstrip()[:-2].rstrip()
        out += [inline(text) + ":" if text else "", ""]
        block: list[str] = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
            block.append(lines[index])
            index += 1
        code = [line for line in block if line.strip()]
        indent = min(len(line) - len(line.lstrip()) for line in code) if code else 0
        out += ["```", *(line[indent:] for line in code), "```", ""]
    return out


def markdown(docstring: str) -> str:
    """A reST docstring as Markdown."""
    return "\n".join(literal_blocks(docstring.splitlines()))


class RestDocstrings(griffe.Extension):
    """Rewrite every docstring of a loaded package from reST markup to Markdown."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` and everything defined in it."""
        pending: list[griffe.Object] = [pkg]
        while pending:
            obj = pending.pop()
            if obj.docstring is not None:
                obj.docstring.value = markdown(obj.docstring.value)
            pending += [m for m in obj.members.values() if not m.is_alias]  # type: ignore[misc]
