"""Print the package's layer diagram, drawn from the import contracts in pyproject.toml.

    .venv/bin/python docs/layers.py [PYPROJECT]

The README and docs/architecture.md hold exactly this block (tests/test_docs.py checks),
so the diagram changes when the contracts do and never goes stale. It reads every
``[[tool.importlinter.contracts]]``: ``layers`` (top to bottom; ``a | b`` are siblings that
never import each other, ``a : b`` siblings that may), ``independence`` and ``forbidden``
are drawn; any other type is named, not drawn.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
#: What separates siblings in a layer, and the wall drawn between them.
SEPARATORS = {"|": "│", ":": "╎"}
LEGEND = {
    "│": "a │ between two in a row: they never import each other",
    "╎": "a ╎ between two in a row: they may import each other",
}


def short(module: str, root: str) -> str:
    """A module's name without the root package, which the diagram's title names.

    An optional module, written ``(name)`` in a layer, keeps its parentheses.
    """
    name = module.strip()
    if name.startswith("(") and name.endswith(")"):
        return f"({short(name[1:-1], root)})"
    return name.removeprefix(f"{root}.") if name != root else name


def parse_layer(layer: str, root: str) -> tuple[list[str], str]:
    """A layer's sibling modules (short names) and the wall drawn between them."""
    text = layer.strip()
    for separator, wall in SEPARATORS.items():
        if separator in text:
            return [short(part, root) for part in text.split(separator)], wall
    return [short(text, root)], "│"


def cell_widths(count: int, inner: int) -> list[int]:
    """Widths of ``count`` cells filling ``inner`` columns with walls between them."""
    space = inner - (count - 1)
    base, extra = divmod(space, count)
    return [base + (1 if i >= count - extra else 0) for i in range(count)]


def walls(widths: Sequence[int]) -> set[int]:
    """Columns (inside the box) where the walls between cells of a row stand."""
    positions, column = set(), 0
    for width in widths[:-1]:
        column += width
        positions.add(column)
        column += 1
    return positions


def rule(inner: int, above: set[int], below: set[int], ends: str) -> str:
    """A horizontal line whose joints meet the walls of the rows above and below it."""
    joints = {(True, True): "┼", (True, False): "┴", (False, True): "┬", (False, False): "─"}
    middle = "".join(joints[(i in above, i in below)] for i in range(inner))
    return ends[0] + middle + ends[1]


def layers_box(layers: Sequence[str], root: str) -> tuple[list[str], set[str]]:
    """The box of a layers contract, top layer first, and the walls it uses."""
    rows = [parse_layer(layer, root) for layer in layers]
    inner = max(len(names) * (max(map(len, names)) + 2) + len(names) - 1 for names, _ in rows)
    widths = [cell_widths(len(names), inner) for names, _ in rows]
    lines, used = [], set()
    for index, ((names, wall), row_widths) in enumerate(zip(rows, widths, strict=True)):
        above = walls(widths[index - 1]) if index else set()
        lines.append(rule(inner, above, walls(row_widths), "├┤" if index else "┌┐"))
        cells = [f" {name}".ljust(width) for name, width in zip(names, row_widths, strict=True)]
        lines.append("│" + wall.join(cells) + "│")
        if len(names) > 1:
            used.add(wall)
    lines.append(rule(inner, walls(widths[-1]), set(), "└┘"))
    return lines, used


def exceptions(contract: dict[str, Any]) -> list[str]:
    """The imports a contract lets through, one line each."""
    return [f"  except {line.strip()}" for line in contract.get("ignore_imports", [])]


def draw_contract(contract: dict[str, Any], root: str) -> list[str]:
    """One contract as lines of text."""
    kind, name = contract.get("type", "?"), contract.get("name", "")
    if kind == "layers":
        box, used = layers_box(contract["layers"], root)
        containers = contract.get("containers", [])
        where = [f"  in each of: {', '.join(containers)}"] if containers else []
        legend = [LEGEND[wall] for wall in LEGEND if wall in used]
        return [name, *where, *box, *legend, *exceptions(contract)]
    if kind == "independence":
        modules = ", ".join(short(m, root) for m in contract["modules"])
        return [f"{name}: {modules} (none imports another)", *exceptions(contract)]
    if kind == "forbidden":
        sources = ", ".join(short(m, root) for m in contract["source_modules"])
        forbidden = ", ".join(short(m, root) for m in contract["forbidden_modules"])
        return [f"{name}: {sources} never import {forbidden}", *exceptions(contract)]
    return [f"{name}: {kind} contract (not drawn)"]


def diagram(settings: dict[str, Any]) -> str:
    """The whole diagram for ``[tool.importlinter]`` settings, as one text block."""
    root = settings["root_package"]
    lines = [
        f"{root}: its import contracts, as lint-imports checks them.",
        "Layers top to bottom: a layer imports only from the layers below it.",
    ]
    for contract in settings.get("contracts", []):
        lines += ["", *draw_contract(contract, root)]
    return "\n".join(lines) + "\n"


def read_settings(pyproject: Path) -> dict[str, Any]:
    """``[tool.importlinter]`` from a pyproject.toml."""
    with pyproject.open("rb") as file:
        settings: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return settings


def main(argv: Sequence[str]) -> int:
    """Print the diagram of the pyproject.toml named in ``argv`` (default: the repository's)."""
    pyproject = Path(argv[0]) if argv else PYPROJECT
    sys.stdout.write(diagram(read_settings(pyproject)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
