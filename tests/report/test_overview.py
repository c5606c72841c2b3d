"""The all-roles overview: one outline, laid out by both writers, read back."""

from __future__ import annotations

import json

import pytest

from exporter import api, load_role
from exporter.api import RenderOptions
from exporter.cli import cli
from exporter.model.rolefile import parse_role
from exporter.report.chart import layout as chart_layout
from exporter.report.outline import BulletList, Chart, Table, figures
from exporter.report.overview import TABLE_HEADER, build_overview
from tests.conftest import ROLE_FILES
from tests.readback import (
    docx_document,
    docx_headings,
    docx_parts,
    pdf_bookmarks,
    pdf_reader,
    pdf_text,
)


def blocks(report, kind):
    return [b for s in report.sections for b in s.blocks if isinstance(b, kind)]


@pytest.fixture(scope="module")
def fixture_roles():
    return [load_role(path) for path in ROLE_FILES]


def synthetic_roles(count: int):
    """``count`` distinct roles made from a fixture role's data, salaries spread out."""
    data = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))
    roles = []
    for index in range(count):
        item = json.loads(json.dumps(data))
        item["role"] = f"Synthetic Role {index:04d}"
        current = 60_000 + (index * 7_919) % 140_000
        item["salary"]["current_average"] = current
        item["salary"]["projected"] = current + 1_000 + index % 9_000
        roles.append(parse_role(item, f"synthetic-{index}"))
    return roles


def test_outline_of_the_fixture_roles(fixture_roles):
    report = build_overview(fixture_roles, api.default_brand())
    assert report.headings == ("All roles", "Projected salary by role", "Role reports")
    (table,) = blocks(report, Table)
    assert table.header == TABLE_HEADER
    assert table.caption == "Canada: 3 roles by projected salary"
    by_projected = sorted(fixture_roles, key=lambda r: -r.salary.projected)
    for row, role in zip(table.rows, by_projected, strict=True):
        f = figures(role)
        assert row == (
            role.role,
            role.country,
            f.current,
            f.projected,
            f.change,
            f.change_percent,
            f.data_points,
            "small" if role.small_sample else "",
        )
    (chart,) = blocks(report, Chart)  # one country
    assert [bar.label for bar in chart.bars] == [
        "Backend Administrator",
        "Lead Backend Specialist",
        "Machine Learning Lead",
    ]  # every role named in full
    assert all(f"{role.role} {figures(role).projected}" in chart.alt for role in by_projected)
    assert chart.title == "Projected salary of each role, CAD, Canada"
    assert chart.accent == "all"  # every bar is a projection: one colour, and a legend
    geometry = chart_layout(chart)
    assert geometry.legend == "Projected salary"
    assert {bar.colour_role for bar in geometry.bars} == {"accent"}
    assert geometry.bars[0].x >= 9.0 * len("Lead Backend Specialist")  # room for the labels
    (links,) = blocks(report, BulletList)
    assert [run.href for item in links.items for run in item.runs if run.href] == [
        href for role in by_projected for href in (f"{role.slug}.pdf", f"{role.slug}.docx")
    ]


@pytest.mark.parametrize(
    ("small", "sentence"),
    [
        (1, "1 role rests on few data points and is marked small."),
        (2, "2 roles rest on few data points and are marked small."),
    ],
)
def test_the_small_sample_sentence_agrees_in_number(fixture_roles, small, sentence):
    from exporter.report.outline import Paragraph

    roles = list(fixture_roles)
    if small == 2:
        data = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))
        data["role"], data["data_points"] = "Another Small Role", 3
        roles.append(parse_role(data, "another"))
    report = build_overview(roles, api.default_brand())
    intro = next(b for b in report.sections[0].blocks if isinstance(b, Paragraph))
    assert intro.runs[-1].text == sentence and intro.runs[-1].bold


def test_long_rankings_show_their_ends():
    roles = synthetic_roles(30)
    (chart,) = blocks(build_overview(roles, api.default_brand()), Chart)
    ranked = sorted(roles, key=lambda r: -r.salary.projected)
    assert [bar.label for bar in chart.bars] == [r.role for r in ranked[:5] + ranked[-5:]]
    assert "top 5 and bottom 5 of 30 roles" in chart.alt


def test_both_formats_have_the_same_sections_and_relative_links(fixture_roles):
    options = RenderOptions()
    pdf = api.render_overview(fixture_roles, "pdf", options)
    docx = api.render_overview(fixture_roles, "docx", options)
    headings = ["All roles", "Projected salary by role", "Role reports"]
    assert pdf_bookmarks(pdf) == docx_headings(docx) == headings
    uris = [
        annotation.get_object()["/A"]["/URI"]
        for page in pdf_reader(pdf).pages
        for annotation in page.get("/Annots", [])
        if "/URI" in annotation.get_object().get("/A", {})
    ]
    slugs = sorted(role.slug for role in fixture_roles)
    assert sorted(u for u in uris if u.endswith(".pdf")) == [f"{s}.pdf" for s in slugs]
    rels = docx_parts(docx)["word/_rels/document.xml.rels"].decode()
    for slug in slugs:
        assert f'Target="{slug}.docx" TargetMode="External"' in rels
    text = pdf_text(pdf)
    for role in fixture_roles:
        assert figures(role).projected in text and role.role in text


@pytest.mark.slow
def test_a_thousand_roles(tmp_path):
    """1,000 roles complete (on 2 shared cores about 2 s to load, 4 s for the DOCX and 20 s
    for the 61-page PDF; see the README) and the table has a row for each."""
    roles = synthetic_roles(1000)
    options = RenderOptions()
    report = build_overview(roles, api.default_brand())
    assert sum(len(table.rows) for table in blocks(report, Table)) == 1000
    docx = api.render_overview(roles, "docx", options)
    _contents, table = docx_document(docx).tables
    assert len(table.rows) == 1 + 1000
    pdf = api.render_overview(roles, "pdf", options)
    text = pdf_text(pdf)
    assert "Synthetic Role 0000" in text and "Synthetic Role 0999" in text
    assert len(pdf_reader(pdf).pages) > 20


def test_overview_command(runner, roles, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["overview", str(roles), "--out", str(out), "--watermark", "DRAFT"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["overview.docx", "overview.pdf"]
    pdf = (out / "overview.pdf").read_bytes()
    assert all("DRAFT" in page.extract_text() for page in pdf_reader(pdf).pages)


def test_overview_refuses_an_invalid_role(runner, roles, tmp_path):
    bad = roles / "bad.json"
    data = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))
    data["salary"]["projected"] = "lots"
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["overview", str(roles), "--out", str(out)])
    assert result.exit_code == 1
    assert str(bad) in result.output and "salary.projected" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.iterdir())
