"""``exporter import``: market-intelligence pages to role files, repaired and checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.cli import cli
from exporter.errors import ExporterError, PageError
from exporter.ingest import facts, salary
from exporter.ingest.importer import import_page
from exporter.model.rolefile import load_role
from tests.conftest import ROLE_FILES, ROLES_DIR, SEEDS_DIR
from tests.ingest.pagegen import seed_like, seed_like_path, write_page
from tests.readback import docx_text, pdf_text
from tests.seed_facts import SEED_FACTS

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
UK_PAGE = PAGES_DIR / "data-engineer-united-kingdom.txt"
AU_PAGE = PAGES_DIR / "cloud-security-architect-australia.txt"
TH_PAGE = PAGES_DIR / "site-reliability-engineer-thailand.txt"
BROKEN_PAGE = PAGES_DIR / "broken-missing-projection.txt"
SEED_PAGES = sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture
def seed_pages() -> list[Path]:
    if not SEED_PAGES:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no seed pages in {SEEDS_DIR}")
        pytest.skip(f"no seed pages in {SEEDS_DIR}")
    return SEED_PAGES


def _import(runner, pages, out):
    return runner.invoke(cli, ["import", *map(str, pages), "--out", str(out)])


def _text_values(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _text_values(value)
    elif isinstance(data, list):
        for value in data:
            yield from _text_values(value)


# The seed pages.


def test_seed_pages_reproduce_the_fixtures_exactly(runner, tmp_path, seed_pages):
    result = _import(runner, seed_pages, tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [p.name for p in ROLE_FILES]
    for fixture in ROLE_FILES:
        assert (tmp_path / fixture.name).read_bytes() == fixture.read_bytes(), fixture.name


@pytest.mark.parametrize("index", range(3), ids=["seed-0", "seed-1", "seed-2"])
def test_seed_imports_leave_no_thai_and_restore_every_dash(seed_pages, index):
    text = seed_pages[index].read_text(encoding="utf-8")
    imported = import_page(text, str(seed_pages[index]))
    assert imported.warnings == ()
    assert not re.search("[\u0e00-\u0e7f]", imported.json_text)
    values = list(_text_values(json.loads(imported.json_text)))
    # Every lone "โ" of the page was a dash; the page has no dash of its own.
    assert sum(v.count("—") for v in values) == text.count("โ") > 0
    assert "·" not in text and "ยท" in text


# The seed-like pages: each seed's facts, structure and damage, in our own words, in the
# repository (written by tests/ingest/pagegen.py), so none of this skips on a fresh clone.

SEED_LIKE = {slug: seed_like_path(slug) for slug in SEED_FACTS}


def test_seed_like_pages_are_what_the_generator_writes():
    for slug, path in SEED_LIKE.items():
        assert path.read_text(encoding="utf-8") == write_page(*seed_like(slug)), (
            f"{path} is stale: python -m tests.ingest.pagegen"
        )


@pytest.mark.parametrize("slug", list(SEED_LIKE), ids=list(SEED_LIKE))
def test_seed_like_pages_import_with_the_seeds_facts(runner, tmp_path, slug):
    path = SEED_LIKE[slug]
    text = path.read_text(encoding="utf-8")
    # The seeds' damage: UTF-8 read as TIS-620, no line break before the first
    # heading, what is left of the icons, dashes cut to their first byte.
    assert "ยท" in text and "data pointsMarket Overview" in text
    assert "๐ Growth Catalyst" in text and "๐ก๏ธ Career Moat" in text
    assert text.count("โ") >= 2
    result = _import(runner, [path], tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    facts_ = SEED_FACTS[slug]
    role = load_role(tmp_path / f"{slug}.json")
    assert (role.role, role.country) == (facts_["role"], facts_["country"])
    assert f"${role.salary.current_average:,}" == facts_["current"]
    assert f"${role.salary.projected:,}" == facts_["projected"]
    assert role.salary.currency == "CAD"
    assert f"{role.data_points:,}" == facts_["data_points"]
    assert role.updated_date.strftime("%B %Y") == facts_["updated"]
    assert (role.skills.top, role.certifications.key) == (facts_["top_skill"], facts_["key_cert"])
    assert role.small_sample == facts_["small_sample"]
    data = json.loads((tmp_path / f"{slug}.json").read_text(encoding="utf-8"))
    values = list(_text_values(data))
    assert not any(re.search("[\u0e00-\u0e7f]", v) for v in values)
    assert sum(v.count("—") for v in values) == text.count("โ")
    assert "Résumé screening" in data["sections"]["ai_impact"]
    assert [item["label"] for item in data["checklist"]] == [
        "Market Positioning",
        "Negotiation Leverage",
        "Career Moat",
        "AI Readiness",
    ]


# Our own pages: other roles, figures, countries, currencies and variants.

EXPECTED = {
    "data-engineer-united-kingdom": {
        "role": "Data Engineer",
        "country": "United Kingdom",
        "practice_area": "Data Platform Engineering",
        "updated": "2025-11",
        "data_points": 123456,
        "salary": {"currency": "GBP", "current_average": 84250, "projected": 91700},
        "skills": {"top": "Apache Spark", "premium": ["Apache Spark", "dbt", "Kafka"]},
        "certifications": {
            "key": "Databricks Certified Data Engineer Professional",
            "secondary": ["Google Professional Data Engineer"],
        },
        "labels": ["Market Positioning", "Negotiation Leverage", "Career Moat"],
    },
    "cloud-security-architect-australia": {
        "role": "Cloud Security Architect",
        "country": "Australia",
        "practice_area": None,
        "updated": "2026-01",
        "data_points": 1,
        "salary": {"currency": "AUD", "current_average": 182000, "projected": 190500},
        "skills": {"top": "Zero Trust Architecture", "premium": []},
        "certifications": {"key": "CISSP", "secondary": []},
        "labels": ["Market Positioning", "Career Moat"],
    },
    "site-reliability-engineer-thailand": {
        "role": "Site Reliability Engineer",
        "country": "Thailand",
        "practice_area": "Cloud Infrastructure",
        "updated": "2026-03",
        "data_points": 48,
        "salary": {"currency": "THB", "current_average": 1150000, "projected": 1240000},
        "skills": {"top": "Kubernetes", "premium": ["Kubernetes", "Terraform"]},
        "certifications": {
            "key": "Certified Kubernetes Administrator",
            "secondary": ["AWS Certified SysOps Administrator"],
        },
        "labels": ["Market Positioning"],
    },
}


@pytest.mark.parametrize("slug", list(EXPECTED), ids=list(EXPECTED))
def test_own_pages_import_with_their_facts(runner, tmp_path, slug):
    result = _import(runner, [PAGES_DIR / f"{slug}.txt"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    path = tmp_path / f"{slug}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    expected = dict(EXPECTED[slug])
    assert [item["label"] for item in data.pop("checklist")] == expected.pop("labels")
    sections = data.pop("sections")
    assert {k: data[k] for k in expected} == expected
    assert sections["required_skills"] == ""
    assert all(sections[k] for k in sections if k != "required_skills")
    assert load_role(path).slug == slug


def test_damaged_page_is_repaired_like_the_seeds(tmp_path):
    text = UK_PAGE.read_text(encoding="utf-8")
    assert "ยฃ84,250" in text and "๐ก๏ธ Career Moat" in text
    data = json.loads(import_page(text, str(UK_PAGE)).json_text)
    sections = data["sections"]
    assert sections["market_overview"].startswith("The average Data Engineer")
    assert (
        "£84,250; forecasts put the typical figure at £91,700 — a rise"
        in (sections["market_overview"])
    )
    assert "cost — work" in sections["ai_impact"]
    assert not re.search("[\u0e00-\u0e7f]", json.dumps(data, ensure_ascii=False))


def test_clean_page_with_intact_icons_and_paragraphs(tmp_path):
    data = json.loads(import_page(AU_PAGE.read_text(encoding="utf-8"), "au").json_text)
    overview = data["sections"]["market_overview"]
    assert overview.endswith(
        "by 2027.\n\nThis trajectory is not simply inflationary — it reflects a"
        " genuine repricing of security work."
    )
    assert "**" not in data["sections"]["skill_premium"]


def test_page_genuinely_in_thai_is_kept_as_it_is():
    data = json.loads(import_page(TH_PAGE.read_text(encoding="utf-8"), "th").json_text)
    assert data["sections"]["regional_demand"].endswith("ตลาดงานวิศวกรในกรุงเทพฯ กำลังเติบโตอย่างรวดเร็ว")
    assert data["sections"]["ai_impact"].endswith("ระบบอัตโนมัติ ยก ระดับงาน")
    assert "฿1,150,000" in data["sections"]["negotiation"]


# Figures found by what surrounds them.


@pytest.mark.parametrize(
    ("sentence", "current", "projected"),
    [
        ("salaries have moved from $141,344 toward a projected $152,651 — a delta", 141344, 152651),
        (
            "pushing benchmarks from the current $157,410 average toward a projected $176,299",
            157410,
            176299,
        ),
        ("current averages at $141,344 and projections at $152,651 provide", 141344, 152651),
        ("Reference the market data — the gap between $123,557 and $131,591 — and", 123557, 131591),
        ("currently earns £84,250; forecasts put the typical figure at £91,700.", 84250, 91700),
        ("Expect €99,000 next year, up from an average of €95,500 today.", 95500, 99000),
        ("Pay ranges from CHF 120,000 to CHF 131,000 for seniors.", 120000, 131000),
        ("The average is A$1,000,000 now and is projected to reach A$1,100,000.", 1000000, 1100000),
    ],
    ids=[
        "moved-from",
        "current-average",
        "averages-projections",
        "gap-between",
        "earns-forecasts",
        "reversed-order",
        "code-range",
        "millions",
    ],
)
def test_salary_variants(sentence, current, projected):
    found = {(a.kind, int(a.value)) for a in salary.amounts(sentence, "s")}
    assert found == {("current", current), ("projected", projected)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In Canada's Software Engineering ecosystem, demand", "Software Engineering"),
        ("shows that Canada's Software Engineering sector is", "Software Engineering"),
        ("but principal-level roles in Data Science & AI remain", "Data Science & AI"),
        ("For Machine Learning Lead professionals in Canada the market", None),
        ("Analyzing Canada's technical labor market reveals", None),
    ],
    ids=["ecosystem", "sector", "roles-in", "only-the-country", "lower-case"],
)
def test_practice_area(text, expected):
    assert facts.practice_area(text, "Machine Learning Lead", "Canada") == expected


def test_skills_and_certifications_told_apart_by_their_sentence():
    text = (
        "**Go** leads, then **gRPC**. Certifications such as the **CKA** and the **CKAD** "
        "matter. **AWS Certified Developer** helps too."
    )
    assert facts.certifications(text, ["Go"], ["CKAD"]) == (
        ["Go", "gRPC"],
        ["CKA", "AWS Certified Developer"],
    )


# Checks across sections, and bad pages.


def _contradicting_page(tmp_path):
    page = tmp_path / "page.txt"
    text = UK_PAGE.read_text(encoding="utf-8")
    page.write_text(text.replace("Target the ยฃ91,700", "Target the ยฃ95,000"), encoding="utf-8")
    return page


def test_figures_that_disagree_are_refused_naming_both(runner, tmp_path):
    page = _contradicting_page(tmp_path)
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 1
    assert f"error: {page}: salary.projected: the page gives more than one projected salary: " in (
        result.output
    )
    assert "£91,700 in Market Overview (“" in result.output
    assert "£95,000 in Strategic Checklist (“Target the £95,000 bracket" in result.output
    assert "--accept-overview-value" in result.output
    assert not (tmp_path / "out" / "data-engineer-united-kingdom.json").exists()


def test_figures_that_disagree_import_with_the_overviews_value_when_asked(runner, tmp_path):
    page = _contradicting_page(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["import", str(page), "--out", str(out), "--accept-overview-value"])
    assert result.exit_code == 0, result.output
    path = out / "data-engineer-united-kingdom.json"
    role = load_role(path)
    assert role.salary.projected == 91700
    (decision,) = json.loads(path.read_text(encoding="utf-8"))["import_decisions"]
    assert decision.startswith("salary.projected: the page contradicts itself")
    assert "Market Overview's £91,700 was kept" in decision
    assert "over £95,000 in Strategic Checklist" in decision
    assert role.import_decisions == (decision,)


def test_a_page_that_agrees_with_itself_records_no_decision(runner, tmp_path):
    result = runner.invoke(
        cli, ["import", str(UK_PAGE), "--out", str(tmp_path), "--accept-overview-value"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "data-engineer-united-kingdom.json").read_text(encoding="utf-8")
    assert "import_decisions" not in text


def test_broken_page_among_good_ones(runner, tmp_path):
    result = _import(runner, [UK_PAGE, BROKEN_PAGE, AU_PAGE], tmp_path)
    assert result.exit_code == 1
    assert f"error: {BROKEN_PAGE}: 2 problems" in result.output
    assert "no 'Negotiation Strategy' section" in result.output
    assert "no projected salary" in result.output
    assert "1 of 3 pages failed" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "cloud-security-architect-australia.json",
        "data-engineer-united-kingdom.json",
    ]


def _au(old: str, new: str) -> str:
    text = AU_PAGE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


BAD_PAGES = {
    "empty": ("", "no title 'Market Intelligence: <role> in <country>'"),
    "role-json": (ROLE_FILES[0].read_text(encoding="utf-8"), "not a market-intelligence page"),
    "no-country": (_au("Architect in Australia\n", "Architect\n"), "no country in the title"),
    "no-month": (_au("Last Updated: January 2026 · ", ""), "no 'Last Updated: <month> <year>'"),
    "bad-month": (_au("January 2026", "Janvier 2026"), "unknown month 'Janvier'"),
    "no-data-points": (_au(" · Based on 1 data points", ""), "no 'Based on <n> data points'"),
    "no-heading": (_au("Career Moat\n", "Career Fortress\n"), "no 'Career Moat' section"),
    "no-top-skill": (_au("**Zero Trust Architecture**", "zero trust"), "no top skill"),
    "no-salaries": (re.sub(r"A\$[\d,]+", "a lot", _au("", "")), "no current average salary"),
    "unknown-currency": (_au("", "").replace("A$", "₩"), "cannot tell which currency '₩'"),
    "unknown-country": (_au("", "").replace("Australia", "Atlantis"), "unknown country 'Atlantis'"),
    "twice": (
        _au("Negotiation Strategy\n", "Negotiation Strategy\nNegotiation Strategy\n"),
        "heading 'Negotiation Strategy' appears twice",
    ),
    "unlabelled-item": (_au("- Career Moat: ", "- "), "checklist item 2 has no 'Label: text'"),
}


@pytest.mark.parametrize("name", list(BAD_PAGES), ids=list(BAD_PAGES))
def test_bad_pages_name_the_page_and_what_is_missing(runner, tmp_path, name):
    text, message = BAD_PAGES[name]
    page = tmp_path / f"{name}.txt"
    page.write_text(text, encoding="utf-8")
    with pytest.raises(PageError) as caught:
        import_page(text, str(page))
    assert str(caught.value).startswith(str(page))
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 1
    assert f"error: {page}" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_every_problem_of_a_page_is_reported_at_once():
    text = re.sub(r"A\$[\d,]+", "a lot", _au(" · Based on 1 data points", ""))
    text = text.replace("**CISSP**", "CISSP").replace("Regional Demand Signals", "Regional")
    with pytest.raises(PageError) as caught:
        import_page(text, "au.txt")
    assert caught.value.problems == (
        "no 'Regional Demand Signals' section",
        "no key certification: Career Moat has no term in **bold**",
        "no 'Based on <n> data points'",
        "no current average salary (an amount next to 'current')",
        "no projected salary (an amount next to 'projected')",
    )
    assert str(caught.value).startswith("au.txt: 5 problems\n  no 'Regional Demand Signals'")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfeMarket", "not UTF-8 text (byte 0 is invalid)"), (None, "cannot read page")],
    ids=["not-utf8", "missing"],
)
def test_unreadable_pages(runner, tmp_path, content, message):
    page = tmp_path / "page.txt"
    if content is not None:
        page.write_bytes(content)
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 1
    assert f"error: {page}: {message}" in result.output


def test_heading_naming_another_role_is_a_warning(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        _au("AI Impact on Cloud Security Architect Careers", "AI Impact on Chef Careers"),
        encoding="utf-8",
    )
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 0
    assert f"warning: {page}: heading 'AI Impact' names 'Chef'" in result.output


def test_damage_that_cannot_be_repaired_is_refused_naming_the_field(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_au("Reference the market", "It\u0e42s the market"), encoding="utf-8")
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 1
    assert f"error: {page}: sections.negotiation: damaged text that could not be repaired: " in (
        result.output
    )
    assert "Itโs the market" in result.output
    assert not (tmp_path / "out").exists()


def test_text_before_the_first_section_is_a_warning(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_au("\n\nMarket Overview", "\nSponsored content\nMarket Overview"), "utf-8")
    result = _import(runner, [page], tmp_path / "out")
    assert result.exit_code == 0
    assert f"warning: {page}: text before the first section ignored: 'Sponsored content'" in (
        result.output
    )


def test_same_role_twice_is_an_error_for_the_second(runner, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(AU_PAGE.read_bytes())
    result = _import(runner, [AU_PAGE, copy], tmp_path / "out")
    assert result.exit_code == 1
    assert f"error: {copy}: same role and country as {AU_PAGE}" in result.output


def test_page_from_standard_input(runner, tmp_path):
    result = runner.invoke(cli, ["import", "-", "--out", str(tmp_path)], input=UK_PAGE.read_bytes())
    assert result.exit_code == 0, result.output
    assert load_role(tmp_path / "data-engineer-united-kingdom.json").data_points == 123456


def test_bad_page_from_standard_input(runner, tmp_path):
    result = runner.invoke(cli, ["import", "-", "--out", str(tmp_path)], input=b"hello")
    assert result.exit_code == 1
    assert "error: <stdin>: not a market-intelligence page" in result.output


def test_import_then_render_carries_the_page_facts(runner, tmp_path):
    roles = tmp_path / "roles"
    assert _import(runner, [UK_PAGE], roles).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        ["render", "data-engineer-united-kingdom", "--roles-dir", str(roles), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    pdf = pdf_text((out / "data-engineer-united-kingdom.pdf").read_bytes())
    docx = docx_text((out / "data-engineer-united-kingdom.docx").read_bytes())
    for text in (pdf, docx):
        for fact in (
            "Data Engineer",
            "United Kingdom",
            "£84,250",
            "£91,700",
            "123,456",
            "November 2025",
            "Apache Spark",
            "Databricks Certified Data Engineer",
        ):
            assert fact in text, fact


def test_default_output_folder_is_roles_never_the_test_fixtures():
    option = next(p for p in cli.commands["import"].params if p.name == "out_dir")
    assert Path(option.default) == Path("roles")
    assert Path(option.default) != ROLES_DIR.relative_to(ROLES_DIR.parents[1])
    batch_default = next(p for p in cli.commands["batch"].params if p.name == "roles_dir")
    assert Path(batch_default.default) == Path(option.default)  # import writes what batch reads


def test_import_as_a_real_process_from_standard_input(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "import", "-", "--out", str(tmp_path)],
        input=AU_PAGE.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert load_role(tmp_path / "cloud-security-architect-australia.json").data_points == 1


def test_headings_written_with_markup_or_a_colon(tmp_path):
    text = _au("Negotiation Strategy\n", "## Negotiation Strategy:\n")
    data = json.loads(import_page(text, "au").json_text)
    assert data["sections"]["negotiation"].startswith("For Cloud Security Architect")


_PAGE_LINES = {
    page.stem: page.read_text(encoding="utf-8").splitlines() for page in (AU_PAGE, UK_PAGE)
}
_NOISE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="ยทโ๐ก๏ธฌ$£€A 0123456789,.:-*Market Overview data points", max_size=30),
)


@pytest.mark.parametrize("name", list(_PAGE_LINES), ids=list(_PAGE_LINES))
@settings(deadline=None, max_examples=150)
@given(order=st.lists(st.integers(0, 30), max_size=30), noise=_NOISE, at=st.integers(0, 30))
def test_a_mangled_page_is_imported_or_a_clear_error_never_a_crash(name, order, noise, at):
    page = _PAGE_LINES[name]
    lines = [page[i % len(page)] for i in order]
    lines.insert(min(at, len(lines)), noise)
    try:
        import_page("\n".join(lines), "mangled.txt")
    except ExporterError as exc:
        assert str(exc).startswith("mangled.txt: ")
