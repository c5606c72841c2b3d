"""The bundled stylesheet stays cheap to apply (issue 22).

WeasyPrint re-parses a shorthand property (``background``, ``border``, ``font``...)
that holds a ``var()`` once for every box it applies to; a longhand holding one
(``background-color``, ``border-left-color``, ``font-family``) costs a lookup.
"""

from __future__ import annotations

import tinycss2

from exporter.resources import STYLES_DIR

#: Shorthands WeasyPrint expands from their parts (css/validation/expanders.py).
SHORTHANDS = {
    "background",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "font",
    "margin",
    "padding",
    "list-style",
    "text-decoration",
    "flex",
    "columns",
    "outline",
}


def _declarations(rules: list) -> list[tuple[str, str]]:
    found = []
    for rule in rules:
        if rule.type not in ("qualified-rule", "at-rule") or rule.content is None:
            continue
        content = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
        for item in content:
            if item.type == "declaration":
                found.append((item.lower_name, tinycss2.serialize(item.value)))
            elif item.type == "at-rule" and item.content is not None:  # @page margin boxes
                found += _declarations([item])
    return found


def test_no_shorthand_in_the_stylesheet_holds_a_var():
    sheet = tinycss2.parse_stylesheet(
        (STYLES_DIR / "report.css").read_text(encoding="utf-8"), skip_whitespace=True
    )
    declarations = _declarations(sheet)
    assert len(declarations) > 100  # the whole stylesheet was read, margin boxes too
    assert any(name == "font-family" and "var(" in value for name, value in declarations)
    offending = [(n, v) for n, v in declarations if n in SHORTHANDS and "var(" in v]
    assert offending == []


def test_the_check_sees_a_shorthand_var():
    planted = tinycss2.parse_stylesheet(
        "@page { @top-left { font: 8pt var(--font-body) } } a { background: var(--x) }",
        skip_whitespace=True,
    )
    found = [(n, v) for n, v in _declarations(planted) if n in SHORTHANDS and "var(" in v]
    assert [name for name, _ in found] == ["font", "background"]
