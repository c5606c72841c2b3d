"""Fixes to the PDF's structure tree that WeasyPrint leaves out, made as it writes.

WeasyPrint (70) tags table header cells as ``/TH`` with ``/A << /O /Table >>`` and
links data cells to them by ``/Headers``, but writes no ``/Scope``, which PDF/UA-1
asks for (Matterhorn 15-003) and the HTML says (``scope="col"``/``"row"``).
:func:`add_table_scopes` is a WeasyPrint *finisher*: called with the ``pydyf.PDF``
before the file is written, it gives each ``/TH`` its scope: ``/Column`` for a header
row's cells (a ``/TR`` in ``/THead``) and ``/Row`` for a body row's first cell, as the
templates mark them. Nothing else changes, so equal input still gives equal bytes.
"""

from __future__ import annotations

from typing import Any

import pydyf


def add_table_scopes(document: Any, pdf: pydyf.PDF) -> None:
    """Give every ``/TH`` structure element of ``pdf`` a ``/Scope`` attribute."""
    del document  # the finisher's first argument; only the PDF objects matter here
    by_reference = {
        f"{item.number} 0 R": item for item in pdf.objects if isinstance(item, pydyf.Object)
    }
    for item in pdf.objects:
        if isinstance(item, pydyf.Dictionary) and item.get("S") == "/TH":
            attributes = item.get("A")
            if isinstance(attributes, pydyf.Dictionary):
                attributes["Scope"] = "/" + scope(item, by_reference)


def scope(header: pydyf.Dictionary, by_reference: dict[str, Any]) -> str:
    """``Column`` for a cell of a header row, ``Row`` for the first cell of a body row."""
    row = _parent(header, by_reference)
    group = _parent(row, by_reference) if row is not None else None
    if group is not None and group.get("S") == "/THead":
        return "Column"
    kids = row.get("K") if row is not None else None
    first = kids[0] if isinstance(kids, list) and kids else None
    is_first = first is header or _reference(first) == _reference(header)
    return "Row" if is_first else "Column"


def _parent(element: Any, by_reference: dict[str, Any]) -> Any:
    parent = element.get("P") if isinstance(element, dict) else None
    if isinstance(parent, pydyf.Dictionary):
        return parent
    return by_reference.get(_reference(parent)) if parent is not None else None


def _reference(value: Any) -> str:
    """An indirect reference as text (``"12 0 R"``), whatever pydyf type holds it."""
    if isinstance(value, pydyf.Object):
        return f"{value.number} 0 R"
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return str(value)
