"""The neutral outline: formatting and order decided once, for both writers."""

from __future__ import annotations

import pytest

from exporter.report.outline import Callout, Chart, KeyFigures, Run, Table, inline, plain
from tests.seed_facts import SEED_FACTS, seed_headings


def test_sections_follow_the_seed_page_then_methodology(role, report):
    assert list(report.headings) == [*seed_headings(role.role, role.country), "Methodology"]


def test_key_figures_are_formatted_for_the_country(role, report):
    facts = SEED_FACTS[role.slug]
    figures = next(b for b in report.sections[0].blocks if isinstance(b, KeyFigures)).figures
    assert [f.label for f in figures] == ["Current average", "Projected", "Change"]
    assert figures[0].value == facts["current"]
    assert figures[1].value == facts["projected"]
    assert figures[2].value.startswith("+$")
    assert report.facts[-1] == f"Based on {facts['data_points']} data points"
    assert f"Updated {facts['updated']}" in report.facts


def test_small_sample_is_flagged_where_figures_are_shown(role, report):
    overview = report.sections[0].blocks
    warnings = [b for b in overview if isinstance(b, Callout) and b.tone == "warning"]
    assert bool(warnings) == SEED_FACTS[role.slug]["small_sample"]
    if warnings:
        assert "only 2 data points" in plain(warnings[0].runs)


def test_required_skills_are_filled_from_the_data(role, report):
    section = next(s for s in report.sections if s.id == "required-skills")
    table = next(b for b in section.blocks if isinstance(b, Table))
    names = [row[0] for row in table.rows]
    assert names[0] == role.skills.top
    assert role.certifications.key in names
    assert len(names) == len(set(names))


def test_chart_has_both_salaries_and_alt_text(role, report):
    chart = next(b for b in report.sections[0].blocks if isinstance(b, Chart))
    facts = SEED_FACTS[role.slug]
    assert [bar.display for bar in chart.bars] == [facts["current"], facts["projected"]]
    assert facts["current"] in chart.alt and facts["projected"] in chart.alt


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("plain", (Run("plain"),)),
        ("a **b** c", (Run("a "), Run("b", bold=True), Run(" c"))),
        ("**x**", (Run("x", bold=True),)),
        ("odd ** marker", (Run("odd ** marker"),)),
        ("", ()),
    ],
)
def test_inline_bold(text, runs):
    assert inline(text) == runs
