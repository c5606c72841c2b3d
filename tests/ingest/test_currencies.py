"""Issue 15: money in every currency the publisher's pages use.

Pages in the seed format (written here, damaged as the scraper damages them) for
countries whose amounts are grouped differently and whose currency signs lose
bytes in the scrape; each imports to exact facts and renders the country's way
of writing money in both formats. Expected strings are typed in from CLDR's
conventions, not computed by our code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from exporter import api
from exporter.cli import cli
from exporter.errors import PageError, RoleError
from exporter.ingest import money, repair, salary
from exporter.ingest.importer import import_page
from exporter.model.currency import salary_limit
from exporter.model.rolefile import parse_role
from tests.readback import docx_text, fold, pdf_text
from tests.scrape import scrape


@dataclass(frozen=True)
class Place:
    country: str
    currency: str
    current: int
    projected: int
    written_current: str  #: as the page writes it
    written_projected: str
    shown_current: str  #: as the report shows it (whitespace folded)
    shown_projected: str


PLACES = {
    "india": Place(
        "India", "INR", 2_450_000, 2_675_000,
        "₹24,50,000", "₹26,75,000", "₹24,50,000", "₹26,75,000",
    ),
    "indonesia": Place(
        "Indonesia", "IDR", 450_000_000, 495_500_000,
        "Rp450.000.000", "Rp495.500.000", "Rp450.000.000", "Rp495.500.000",
    ),
    "vietnam": Place(
        "Vietnam", "VND", 850_000_000, 935_000_000,
        "850.000.000\u00a0₫", "935.000.000\u00a0₫", "₫850,000,000", "₫935,000,000",
    ),
    "japan": Place(
        "Japan", "JPY", 9_850_000, 10_400_000,
        "¥9,850,000", "¥10,400,000", "¥9,850,000", "¥10,400,000",
    ),
    "germany": Place(
        "Germany", "EUR", 141_344, 152_651,
        "141.344\u00a0€", "€152,651", "141.344 €", "152.651 €",
    ),
    "switzerland": Place(
        "Switzerland", "CHF", 141_344, 150_900,
        "CHF\u00a0141’344", "CHF 150'900", "CHF 141'344", "CHF 150'900",
    ),
    "brazil": Place(
        "Brazil", "BRL", 141_344, 152_651,
        "R$\u00a0141.344", "R$152,651", "R$141,344", "R$152,651",
    ),
    "france": Place(
        "France", "EUR", 61_500, 64_000,
        "61\u202f500\u00a0€", "64\u202f000\u00a0€", "€61,500", "€64,000",
    ),
}  # fmt: skip

PAGE = """Market Intelligence: Data Engineer in {country}
Last Updated: March 2026 · Based on 412 data pointsMarket Overview
Data Engineer salaries in {country} have moved from {cur} toward a projected {proj} — a delta driven by demand for streaming platforms.
Regional Demand Signals
In {country}'s Data Platforms sector, demand for Data Engineer talent keeps growing.
🚀 Growth Catalyst
To command a premium in today's market, mastering **Apache Spark** is non-negotiable.
🛡️ Career Moat
Obtaining the **Databricks Data Engineer Professional** is a proven way to signal your expertise.
Skill Premium Analysis
Professionals with expertise in **Apache Spark** and **Kafka** are in the top quartile of earners.
Required Skills for Data Engineer
AI Impact on Data Engineer Careers
AI raises the bar for Data Engineer professionals — and the pay.
Negotiation Strategy
Lead with the market trajectory: current averages at {cur} and projections at {proj} provide a factual foundation.
Cost of Living Context: {country}
Costs in {country} vary by city.
Strategic Checklist for Data Engineer Professionals
- Market Positioning: Target the {proj} bracket by demonstrating expertise in Apache Spark.
- Career Moat: Priority focus on obtaining Databricks Data Engineer Professional.
"""  # noqa: E501


def page(place: Place, cur: str | None = None, proj: str | None = None) -> str:
    return PAGE.format(
        country=place.country,
        cur=place.written_current if cur is None else cur,
        proj=place.written_projected if proj is None else proj,
    )


def _imported(name: str, damaged: bool = True):
    text = page(PLACES[name])
    return import_page(scrape(text) if damaged else text, f"{name}.txt")


@pytest.mark.parametrize("damaged", [False, True], ids=["clean", "scraped"])
@pytest.mark.parametrize("name", list(PLACES))
def test_page_imports_to_exact_facts(name, damaged):
    place = PLACES[name]
    imported = _imported(name, damaged)
    data = json.loads(imported.json_text)
    assert data["country"] == place.country
    assert data["salary"] == {
        "currency": place.currency,
        "current_average": place.current,
        "projected": place.projected,
    }
    # Both amounts as the page wrote them, signs and separators restored.
    overview = data["sections"]["market_overview"]
    assert place.written_current in overview and place.written_projected in overview
    assert not any("\u0e00" <= char <= "\u0e7f" for char in imported.json_text)
    assert imported.warnings == ()


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[str, str]]:
    out = {}
    for name in ("india", "indonesia", "vietnam", "japan", "germany", "switzerland", "brazil"):
        role = _imported(name).role
        out[name] = (pdf_text(api.render_pdf(role)), docx_text(api.render_docx(role)))
    return out


@pytest.mark.parametrize(
    "name", ["india", "indonesia", "vietnam", "japan", "germany", "switzerland", "brazil"]
)
def test_reports_show_the_countrys_money(rendered, name):
    place = PLACES[name]
    pdf, docx = rendered[name]
    for shown in (place.shown_current, place.shown_projected):
        assert shown in pdf, f"{shown!r} not in the PDF"
        assert shown in docx, f"{shown!r} not in the DOCX"


def test_list_shows_the_countrys_money(tmp_path):
    for name in ("india", "switzerland", "germany"):
        (tmp_path / f"{name}.json").write_text(_imported(name).json_text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["list", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = fold(result.output)
    for shown in ("₹24,50,000", "₹26,75,000", "CHF 141'344", "141.344 €", "152.651 €"):
        assert shown in out


# Errors: one clear message naming the page or file and the field.


def _role_data(name: str, **salary: object) -> dict:
    data = json.loads(_imported(name).json_text)
    data["salary"].update(salary)
    return data


def test_unknown_currency_code_names_the_field_and_the_countrys_currency():
    with pytest.raises(RoleError) as caught:
        parse_role(_role_data("vietnam", currency="XYZ"), "vn.json")
    assert str(caught.value) == (
        "vn.json: salary.currency: unknown currency 'XYZ': not an ISO 4217 code in use "
        "(e.g. 'EUR', 'INR'); Vietnam uses VND (Vietnamese Dong) (got 'XYZ')"
    )


def test_dong_salary_passes_and_a_digit_too_many_fails():
    role = parse_role(_role_data("vietnam", current_average=2_850_000_000, projected=2_900_000_000))
    assert role.salary.current_average == 2_850_000_000
    with pytest.raises(RoleError) as caught:
        parse_role(_role_data("vietnam", current_average=28_500_000_000), "vn.json")
    message = str(caught.value)
    assert message.startswith("vn.json: ")
    assert "salary.current_average: more than the limit for VND" in message
    assert "a digit too many?" in message


def test_a_misplaced_digit_in_dollars_still_fails():
    data = _role_data("germany", currency="USD", current_average=1_413_440, projected=1_526_510)
    data["country"] = "United States"
    with pytest.raises(RoleError) as caught:
        parse_role(data, "us.json")
    assert "salary.current_average: more than the limit for USD, 1,000,000" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "country"),
    [("VND", "Vietnam"), ("IDR", "Indonesia"), ("KRW", "South Korea"), ("COP", "Colombia")],
)
def test_small_unit_currencies_allow_real_salaries(code, country):
    # Hundreds of millions of won and pesos, billions of dong and rupiah, are salaries there.
    assert salary_limit(code) >= (5_000_000_000 if code in ("VND", "IDR") else 500_000_000)
    role = parse_role(
        {**_role_data("vietnam", currency=code), "country": country}
        | {"salary": {"currency": code, "current_average": 400_000_000, "projected": 440_000_000}}
    )
    assert role.salary.currency == code


def test_sign_contradicting_the_country_names_both():
    text = scrape(page(PLACES["vietnam"], cur="₹850,000,000", proj="₹935,000,000"))
    with pytest.raises(PageError) as caught:
        import_page(text, "vn.txt")
    message = str(caught.value)
    assert message.startswith("vn.txt: ")
    assert "'₹' is in Vietnam: it is INR (Indian Rupee), but Vietnam uses VND" in message


def test_cli_errors_exit_1(tmp_path):
    runner = CliRunner()
    bad_page = tmp_path / "vn.txt"
    bad_page.write_text(
        scrape(page(PLACES["vietnam"], cur="₹850,000,000", proj="₹935,000,000")),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["import", str(bad_page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"error: {bad_page}:" in result.output
    assert "it is INR (Indian Rupee), but Vietnam uses VND" in result.output

    roles = tmp_path / "roles"
    roles.mkdir()
    (roles / "bad.json").write_text(
        json.dumps(_role_data("vietnam", currency="XYZ")), encoding="utf-8"
    )
    (roles / "big.json").write_text(
        json.dumps(_role_data("india", current_average=245_000_000_000)), encoding="utf-8"
    )
    result = runner.invoke(cli, ["list", str(roles)])
    assert result.exit_code == 1
    assert "bad.json: salary.currency: unknown currency 'XYZ'" in result.output
    assert "Vietnam uses VND" in result.output
    assert "big.json: salary.current_average: more than the limit for INR" in result.output


def test_damaged_sign_that_fits_several_is_decided_by_the_country():
    # A lone "โ" (E2, both other bytes lost) fits several signs: no guess without a country.
    assert len(repair.lost_signs("\u0e42")) > 1
    assert repair.repair_text("at \u0e42950,000") == "at \u0e42950,000"
    # Bytes that fit exactly one sign are that sign (the rupee, E2 82 B9).
    assert repair.repair_text(scrape("at ₹24,50,000 now")) == "at ₹24,50,000 now"


# Property: an amount written in any grouping CLDR knows for a country reads back exactly.

COUNTRIES = [place.country for place in PLACES.values()] + ["Canada", "South Africa", "Sweden"]


@settings(max_examples=200, deadline=None)
@given(
    country=st.sampled_from(COUNTRIES),
    value=st.integers(1, 10**12),
    data=st.data(),
)
def test_amounts_in_every_grouping_read_back(country, value, data):
    convention = data.draw(st.sampled_from(money.conventions(country)))
    separator = convention.group
    if separator in " \u00a0\u202f":
        separator = data.draw(st.sampled_from([" ", "\u00a0", "\u202f"]))
    digits = str(value)
    groups = [digits[-convention.primary :]] if len(digits) > convention.primary else [digits]
    rest = digits[: -convention.primary] if len(digits) > convention.primary else ""
    while rest:
        groups.insert(0, rest[-convention.secondary :])
        rest = rest[: -convention.secondary]
    written = separator.join(groups)
    assert money.parse_amount(written, country) == Decimal(value)
    sign = money.signs(country)[-1] if money.signs(country) else "$"
    sentence = f"The current average is {sign}{written} this year."
    found = salary.amounts(sentence, "s", country)
    assert [(a.kind, a.value) for a in found] == [("current", Decimal(value))]
