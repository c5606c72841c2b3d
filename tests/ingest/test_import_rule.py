"""Issue 21: every fact read from a sentence that names it, or the page refused by name.

The pages the issue names (a national average before the role's figure, UTF-8
read as Windows-1252, two current averages), the phrasings a reader takes in
stride, ``--explain``, and (issue 25) an import folder holding a FIFO.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
from decimal import Decimal

import pytest

from exporter.cli import cli
from exporter.errors import PageError
from exporter.ingest import salary
from exporter.ingest.importer import LEDGER_NAME, import_page
from exporter.model.rolefile import load_role, role_json
from tests.ingest.pagegen import PLACES, Spec, Style, damage, write_page

CANADA, SWEDEN = PLACES[0], PLACES[3]
SPEC = Spec(
    role="Data Engineer",
    place=CANADA,
    current=Decimal(84250),
    projected=Decimal(91700),
    year=2026,
    month=4,
    data_points=2318,
    area="Software Engineering",
    top="Apache Spark",
    second="Kafka",
    cert="CISSP",
)


PLAIN = Style()


def _page(style: Style = PLAIN, spec: Spec = SPEC) -> str:
    return write_page(spec, style)


def _facts(text: str, **kwargs) -> dict:
    data = json.loads(import_page(text, "page.txt", **kwargs).json_text)
    return {key: data[key] for key in ("updated", "data_points", "salary")}


# The pages the issue names.


def test_a_national_average_before_the_roles_figure_is_not_the_roles():
    style = Style(distractors=(("national", "overview-before"),))
    text = _page(style)
    assert "The national average across all occupations is $36,107. Analyzing" in text
    assert _facts(text)["salary"] == {
        "currency": "CAD",
        "current_average": 84250,
        "projected": 91700,
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "The national average across all occupations is $60,000.",
        "Across all occupations, the average salary in Canada is $60,000.",
        "The median salary in Canada stands at $60,000.",
        "$60,000 is the national average.",
        "Average rents run at $2,000 a month.",
        "Signing bonuses of $10,000 are common.",
        "A cost of living budget is about $55,000 a year.",
    ],
)
def test_figures_of_something_else_are_set_aside_in_any_position(sentence):
    for text in (f"{sentence} The current average is $84,250.", f"The current average is "
                 f"$84,250. {sentence}"):  # fmt: skip
        found = [(a.kind, a.value) for a in salary.amounts(text, "s", "Canada")]
        assert ("current", Decimal(84250)) in found
        assert all(kind == "other" for kind, value in found if value != 84250), found


def test_a_figure_beside_the_role_and_the_national_average_in_one_sentence():
    text = (
        "The current average for a Data Engineer is $84,250, "
        "well above the national average of $40,000."
    )
    found = [(a.kind, int(a.value)) for a in salary.amounts(text, "s", "Canada", "Data Engineer")]
    assert found == [("current", 84250), ("other", 40000)]


def test_two_different_current_averages_are_refused_naming_both():
    text = _page(Style(contradiction=True))
    with pytest.raises(PageError) as caught:
        import_page(text, "page.txt")
    (problem,) = caught.value.problems
    assert problem.startswith(
        "salary.current_average: the page gives more than one current average salary: "
    )
    assert "$84,250 in Market Overview (“Data Engineer salaries have moved from $84,250" in problem
    assert "$85,250 in Negotiation Strategy (“Lead with the market trajectory: current" in problem


def test_windows_1252_damage_is_repaired():
    text = damage(_page(Style(curly=True)), "windows-1252")
    assert "RÃ©sumÃ©" in text and "â€”" in text and "naÃ¯ve" in text and "Itâ€™s" in text
    data = json.loads(import_page(text, "page.txt").json_text)
    assert "Résumé screening is automated; naïve workflows" in data["sections"]["ai_impact"]
    assert "professionals — and the pay" in data["sections"]["ai_impact"]
    assert "It’s the #1 skill" in data["sections"]["growth_catalyst"]
    assert "Ã" not in json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize(
    ("old", "new", "field", "excerpt"),
    [
        # ftfy repairs the mojibake; the C1 control is left, and quoted escaped.
        ("naïve workflows", "naÃ¯ve work\x81flows", "sections.ai_impact", "naïve work\\x81flows"),
        ("naïve workflows", "na\ufffdve workflows", "sections.ai_impact", "na\ufffdve"),
        ("café prices", "caf\x81 prices", "sections.cost_of_living", "caf\\x81 prices"),
        ("a proven way", "a prâ€ven way", "sections.career_moat", "prâ€ven"),
        ("keeps growing", "keeps growing ตลาดงาน", "sections.regional_demand", "ตลาดงาน"),
    ],
    ids=["mojibake-and-c1", "replacement", "c1", "cut-mojibake", "stray-thai"],
)
def test_damage_left_after_repair_is_refused_naming_the_field(old, new, field, excerpt):
    text = _page()
    assert old in text
    with pytest.raises(PageError) as caught:
        import_page(text.replace(old, new), "page.txt")
    (problem,) = caught.value.problems
    assert problem.startswith(f"{field}: damaged text that could not be repaired: ")
    assert excerpt in problem
    assert len(problem) < 140  # a short excerpt, not the section


def test_damage_in_a_thai_page_about_thailand_is_its_own_text():
    # The Thai page test_import checks imports; the same Thai in a page about Canada does not.
    text = _page().replace("keeps growing.", "keeps growing. ตลาดงานวิศวกรกำลังเติบโต")
    with pytest.raises(PageError, match=r"sections\.regional_demand: damaged text"):
        import_page(text, "page.txt")


# Phrasings.


@pytest.mark.parametrize(
    ("written", "updated"),
    [
        ("Last Updated: April 2026", "2026-04"),
        ("Last Updated: Apr 2026", "2026-04"),
        ("Last Updated: Apr. 2026", "2026-04"),
        ("Last Updated: 2026-04", "2026-04"),
        ("Last Updated: 2026-04-21", "2026-04"),
        ("last updated 2026-11-30", "2026-11"),
    ],
)
def test_dates(written, updated):
    text = _page().replace("Last Updated: April 2026", written)
    assert _facts(text)["updated"] == updated


@pytest.mark.parametrize(
    "written",
    ["2026-13", "2026-02-30", "2026-00-01"],
)
def test_dates_that_are_not_dates_are_refused(written):
    text = _page().replace("April 2026", written)
    with pytest.raises(PageError, match=r"Last Updated: .* is not a date"):
        import_page(text, "page.txt")


@pytest.mark.parametrize(
    ("written", "count"),
    [
        ("Based on 2,318 salaries", 2318),
        ("Based on 1 234 data points", 1234),
        ("Based on 1\u00a0234 data points", 1234),
        ("Based on 1\u2009234 responses", 1234),
        ("Based on 1\u202f234\u202f567 responses", 1234567),
        ("Based on 1'234 data points", 1234),
        ("Based on 1’234 data points", 1234),
        ("Based on 1.234 data points", 1234),
        ("Based on 1234 data points", 1234),
        ("based on 2 Salaries", 2),
    ],
)
def test_samples(written, count):
    text = _page().replace("Based on 2,318 data points", written)
    assert _facts(text)["data_points"] == count


@pytest.mark.parametrize(
    ("place", "sign", "after", "space", "grouping", "decimals", "current"),
    [
        (SWEDEN, "kr", True, " ", (" ", ","), False, "84 250 kr"),
        (SWEDEN, "kr", True, "\u00a0", ("\u00a0", ","), True, "84\u00a0250,00\u00a0kr"),
        (SWEDEN, "SEK", False, " ", (",", "."), False, "SEK 84,250"),
        (CANADA, "CAD", True, " ", (",", "."), True, "84,250.00 CAD"),
        (CANADA, "$", True, "\u00a0", ("\u00a0", ","), False, "84\u00a0250\u00a0$"),
        (PLACES[4], "CHF", False, " ", ("’", "."), True, "CHF 84’250.00"),
    ],
    ids=["kr-after", "kr-after-decimals", "code-before", "code-after", "dollar-after", "chf"],
)
def test_amounts_with_the_sign_or_code_before_or_after(
    place, sign, after, space, grouping, decimals, current
):
    spec = dataclasses.replace(SPEC, place=place)
    style = Style(
        sign=sign, sign_after=after, sign_space=space, grouping=grouping, decimals=decimals
    )
    text = _page(style, spec)
    assert current in text
    assert _facts(text)["salary"] == {
        "currency": place.currency,
        "current_average": 84250,
        "projected": 91700,
    }


def test_amounts_with_cents():
    spec = dataclasses.replace(SPEC, current=Decimal("84250.50"))
    assert _facts(_page(Style(decimals=True), spec))["salary"]["current_average"] == 84250.5


@pytest.mark.parametrize("case", ["upper", "lower"])
def test_headings_in_any_case_and_order(case):
    style = Style(heading_case=case, order=(9, 3, 8, 1, 0, 7, 2, 6, 5, 4))
    text = _page(style)
    assert "\nSTRATEGIC CHECKLIST" in text or "\nstrategic checklist" in text
    data = json.loads(import_page(text, "page.txt").json_text)
    assert data["sections"]["negotiation"].startswith("Lead with the market trajectory")
    assert [item["label"] for item in data["checklist"]] == ["Market Positioning", "Career Moat"]


# --explain: the sentence of every fact.


def test_explain_shows_the_sentence_of_every_fact(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page(Style(distractors=(("national", "overview-before"),))), "utf-8")
    result = runner.invoke(cli, ["import", "--explain", str(page), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    expected = [
        ("role = Data Engineer", "read in title: Market Intelligence: Data Engineer in Canada"),
        ("updated = 2026-04", "read in header: Last Updated: April 2026 · Based on 2,318"),
        ("data_points = 2318", "read in header: Last Updated: April 2026 · Based on 2,318"),
        (
            "salary.current_average = $84,250",
            "read in Market Overview: Data Engineer salaries have moved from $84,250 toward",
        ),
        (
            "salary.projected = $91,700",
            "read in Market Overview: Data Engineer salaries have moved from $84,250 toward",
        ),
        ("salary.currency = CAD", "read in Market Overview: Data Engineer salaries have moved"),
        ("skills.top = Apache Spark", "read in Growth Catalyst: Mastering **Apache Spark**"),
        ("certifications.key = CISSP", "read in Career Moat: Obtaining the **CISSP** is"),
        ("practice_area = Software Engineering", "read in Regional Demand Signals: In Canada's"),
    ]
    lines = out.splitlines()
    for fact, sentence in expected:
        at = next(i for i, line in enumerate(lines) if line.strip() == fact)
        assert lines[at + 1].strip().startswith(sentence), (fact, lines[at + 1])
    # The figure set aside, and why: its sentence.
    at = lines.index("  not the role's figure = $36,107")
    assert lines[at + 1] == (
        "    read in Market Overview: The national average across all occupations is $36,107."
    )


def test_without_explain_no_sentences(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page(), "utf-8")
    result = runner.invoke(cli, ["import", str(page), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "read in" not in result.stdout


# Issue 25: nothing in the import folder is opened in a way that could block.


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_at_the_ledgers_path_is_an_error_not_a_hang(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page(), "utf-8")
    out = tmp_path / "roles"
    out.mkdir()
    os.mkfifo(out / LEDGER_NAME)
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "import", str(page), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here instead of blocking the suite forever
    )
    assert proc.returncode == 1
    assert f"error: {out / LEDGER_NAME}: import ledger unreadable: not a regular file" in (
        proc.stderr
    )
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [LEDGER_NAME]  # nothing written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_at_a_role_files_path_is_an_error_not_a_hang(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page(), "utf-8")
    out = tmp_path / "roles"
    out.mkdir()
    os.mkfifo(out / "data-engineer-canada.json")
    result = runner.invoke(cli, ["import", str(page), "--out", str(out)])
    assert result.exit_code == 1
    assert "data-engineer-canada.json: exists and is not a regular file" in result.stderr
    assert stat.S_ISFIFO((out / "data-engineer-canada.json").lstat().st_mode)  # left alone


# Wording that does not settle a fact.


@pytest.mark.parametrize(
    "overview",
    [
        "Data Engineer salaries range from $80,000 to $95,000 across employers.",
        "Data Engineer offers fall between $80,000 and $95,000.",
    ],
    ids=["range-from-to", "range-between"],
)
def test_a_range_alone_does_not_make_a_current_average(overview):
    text = _page(Style(negotiation="none", checklist_target=False))
    start = text.index("Analyzing")
    text = text[:start] + overview + text[text.index("\n", start) :]
    with pytest.raises(PageError) as caught:
        import_page(text, "page.txt")
    problems = caught.value.problems
    assert (
        "salary.current_average: no sentence says which figure is the current average salary: "
        "only $80,000 in Market Overview (“" + overview + "”)"
    ) in problems


def test_a_range_agreeing_with_words_is_fine():
    # The seeds' negotiation: "the gap between $X and $Y", with the overview saying which is which.
    text = _page(Style(negotiation="gap"))
    assert "the gap between $84,250 and $91,700" in text
    assert _facts(text)["salary"]["current_average"] == 84250


def test_an_average_in_a_sentence_about_the_country_is_the_countrys():
    text = "The average salary in Canada is $60,000. Data Engineers now average $84,250."
    found = [(a.kind, int(a.value)) for a in salary.amounts(text, "s", "Canada", "Data Engineer")]
    assert found == [("other", 60000), ("current", 84250)]


# import_decisions: optional in the schema, absent when empty, kept when present.


def test_a_decision_loads_back_and_a_role_file_without_one_is_unchanged(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page(Style(contradiction=True)), "utf-8")
    out = tmp_path / "roles"
    result = runner.invoke(cli, ["import", str(page), "--out", str(out), "--accept-overview-value"])
    assert result.exit_code == 0, result.output
    path = out / "data-engineer-canada.json"
    role = load_role(path)
    assert len(role.import_decisions) == 1
    assert role_json(role) == path.read_bytes()  # canonical: loads back equal
    plain = role.model_copy(update={"import_decisions": ()})
    assert b"import_decisions" not in role_json(plain)
    validated = runner.invoke(cli, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output
