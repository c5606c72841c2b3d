"""Issue 21: every generated page imports back to its role, or is refused by name; never wrong.

Pages come from :mod:`tests.ingest.pagegen`: a role written in many phrasings,
currencies, groupings, heading cases and orders, with figures that are not the
role's, sometimes contradicting itself, sometimes damaged as real tools damage
text. What a page must import to is the role it was written from.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.errors import ExporterError, PageError, RoleError
from exporter.ingest import damage, salary
from exporter.ingest.importer import import_page
from tests.ingest.pagegen import Spec, Style, draw_case, sample, write_page

T = TypeVar("T")

#: What a refusal names: a field of the role file, a section, or the header's facts.
FIELD_WORDS = (
    "salary.",
    "sections.",
    "checklist",
    "title",
    "'Based on <n> data points'",
    "'Last Updated",
    "current average salary",
    "projected salary",
    "section",
    "updated, data_points",
    "currency",
    "top skill",
    "key certification",
)


class DataChooser:
    """Hypothesis's ``st.data()`` as a :class:`tests.ingest.pagegen.Chooser`."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def randint(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


def check(spec: Spec, style: Style, accept: bool) -> str:
    """Import the page; fail if it imports to anything but ``spec``. Returns the outcome."""
    text = write_page(spec, style)
    try:
        imported = import_page(text, "generated.txt", accept_overview=accept)
    except ExporterError as exc:  # a PageError, or a RoleError naming the role file's field
        message = str(exc)
        assert message.startswith("generated.txt: ")
        assert isinstance(exc, PageError | RoleError), message
        for problem in exc.problems:
            assert any(word in str(problem) for word in FIELD_WORDS), problem
        if style.contradicts and not accept and style.damage == "none":
            assert any(str(p).startswith("salary.current_average: ") for p in exc.problems)
        # A clean page that agrees with itself is never refused.
        assert style.damage != "none" or style.contradicts, message
        return "refused"
    data = json.loads(imported.json_text)
    expected = spec.expected()
    assert {key: data[key] for key in expected} == expected
    assert not style.contradicts or accept, "a contradicting page was imported unasked"
    decisions = data.get("import_decisions", [])
    assert [d.split(":")[0] for d in decisions] == (
        ["salary.current_average"] if style.contradicts else []
    )
    if style.damage != "none":
        clean = import_page(
            write_page(spec, dataclasses.replace(style, damage="none")), "c", accept
        )
        assert imported.json_text == clean.json_text, "damage left in the imported text"
    return "imported"


@settings(
    max_examples=2500,
    deadline=None,  # no timed assertions: the machine is shared
    # CI checks a fixed set of 2,500 pages (a landing never hangs on a new draw); elsewhere
    # every run draws new pages, so a developer's runs keep exploring.
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), accept=st.booleans())
def test_every_generated_page_imports_back_or_is_refused_by_name(data, accept):
    spec, style = draw_case(DataChooser(data))
    check(spec, style, accept)


def test_most_damaged_pages_are_repaired_not_refused():
    # The property above holds for an importer that refuses everything: this one
    # would not. Fixed cases (seeded), so the counts are the same on every run.
    outcomes: Counter[tuple[str, str]] = Counter()
    for spec, style in sample(21, 400):
        if not style.contradicts:
            outcomes[style.damage, check(spec, style, accept=False)] += 1
    for how in ("none", "windows-1252", "latin-1", "mixed"):
        total = outcomes[how, "imported"] + outcomes[how, "refused"]
        assert outcomes[how, "imported"] >= 0.9 * total, (how, outcomes)
    # TIS-620 drops bytes: an apostrophe or a thin space cannot come back, and is refused.
    tis = outcomes["tis-620", "imported"] + outcomes["tis-620", "refused"]
    assert outcomes["tis-620", "imported"] >= 0.3 * tis, outcomes


@pytest.mark.parametrize("accept", [False, True], ids=["default", "accept-overview"])
def test_contradicting_pages_are_refused_unless_the_overview_is_accepted(accept):
    cases = [(s, t) for s, t in sample(5, 1200) if t.contradicts and t.damage == "none"]
    assert len(cases) > 10
    for spec, style in cases:
        assert check(spec, style, accept) == ("imported" if accept else "refused")


# The property can fail: plant the faults it guards against and watch it catch them.


def _caught(cases: list[tuple[Spec, Style]]) -> int:
    caught = 0
    for spec, style in cases:
        try:
            check(spec, style, accept=False)
        except AssertionError:
            caught += 1
    return caught


def test_the_property_catches_an_importer_that_takes_the_first_figure(monkeypatch):
    monkeypatch.setattr(salary, "_agreed", lambda found, *args: found[0])
    cases = [(s, t) for s, t in sample(5, 1200) if t.contradicts and t.damage == "none"]
    assert _caught(cases) == len(cases) > 10


def test_the_property_catches_an_importer_that_keeps_damage(monkeypatch):
    monkeypatch.setattr(damage, "fix_encoding", lambda text: text)
    monkeypatch.setattr(damage, "damage_in", lambda text, thai_allowed=False: None)
    # Many such pages are still refused (a damaged sign is no currency; Latin-1 leaves
    # C1 controls, which the role schema refuses): the rest import garbled, and fail.
    cases = [(s, t) for s, t in sample(5, 200) if t.damage == "windows-1252"]
    assert _caught(cases) > 5
