"""Facts found in the text of a market-intelligence page, by what surrounds them.

Pure functions over repaired section text. None of them knows a page's exact
sentences: salaries are told apart by the words next to them (current, average,
projected, from ... to), skills and certifications by the bold terms and the
sentence they stand in. Problems and warnings are appended to lists the caller
passes in, so one page reports everything at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names
from babel.languages import get_official_languages
from babel.numbers import get_currency_name, get_currency_symbol, get_territory_currencies

from exporter.ingest import money, repair
from exporter.ingest.money import money_pattern, parse_amount
from exporter.model.country import country_code, is_country, locale_for
from exporter.model.currency import is_known_currency
from exporter.model.markup import bold_terms, without_bold

_UPDATED = re.compile(r"Last Updated:?\s*(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})", re.I)
_DATA_POINTS = re.compile(r"Based on\s+(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+data points?\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'‘*(])")
_CERTIFICATE_WORDS = re.compile(r"certif|credential", re.I)
_TITLE_PHRASE = r"[A-Z][\w/+.-]*(?:\s+(?:(?:&|and)\s+)?[A-Z][\w/+.-]*)*"

#: Words that say the amount after them is the current average, or the projection.
_CURRENT = ("current", "average", "today", "now", "present", "from")
_PROJECTED = ("project", "forecast", "expect", "toward", "target", "anticipat")
#: How far from an amount, in words, a cue may stand: before it, and after it.
_WORDS_BEFORE, _WORDS_AFTER = 6, 2
#: Words that end the clause an amount is described in.
_CLAUSE_END = re.compile(r"[.;:!?()—–]|\s-\s")


@dataclass(frozen=True)
class Amount:
    """An amount of money as the page writes it, and where."""

    kind: str  #: "current" or "projected"
    symbol: str
    value: Decimal
    written: str
    section: str


def certifications(
    skill_premium: str, top: Sequence[str], key: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Premium skills and secondary certifications: the bold terms of Skill Premium Analysis."""
    # ``top`` and ``key`` hold the top skill and key certification (empty if the page
    # has none). A term is a certification if it is the key one, names itself one, or
    # stands in a sentence about certifications or credentials; a skill otherwise.
    skills: list[str] = []
    certs: list[str] = []
    for sentence in _SENTENCE_END.split(skill_premium):
        about_certificates = bool(_CERTIFICATE_WORDS.search(without_bold(sentence)))
        for term in bold_terms(sentence):
            is_cert = term in key or bool(_CERTIFICATE_WORDS.search(term))
            if term not in top and (is_cert or about_certificates):
                certs.append(term)
            else:
                skills.append(term)
    secondary = [term for term in dict.fromkeys(certs) if term not in key]
    return list(dict.fromkeys(skills)), secondary


def is_header_line(line: str) -> bool:
    """True for the line under the title: "Last Updated: ... · Based on <n> data points"."""
    return bool(_UPDATED.search(line) or _DATA_POINTS.search(line))


def updated_month(header: str, problems: list[str]) -> str:
    """``2026-04`` from "Last Updated: April 2026"."""
    match = _UPDATED.search(header)
    if match:
        wanted = match["month"].casefold()
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale="en").items():
                if name.casefold().rstrip(".") == wanted:
                    return f"{match['year']}-{number:02d}"
        problems.append(f"unknown month {match['month']!r} in 'Last Updated'")
        return ""
    problems.append("no 'Last Updated: <month> <year>'")
    return ""


def data_points(header: str, problems: list[str]) -> int:
    """The sample size from "Based on 2,454 data points"."""
    match = _DATA_POINTS.search(header)
    if match is None:
        problems.append("no 'Based on <n> data points'")
        return 0
    return int(match["n"].replace(",", ""))


def practice_area(regional_demand: str, role: str, country: str) -> str | None:
    """The practice area the Regional Demand section names, if it names one."""
    patterns = (
        rf"\b{re.escape(country)}['’]s\s+(?P<area>{_TITLE_PHRASE})\s+"
        r"(?:ecosystem|sector|industry|field|space|market|landscape|community)\b",
        rf"\b(?:roles|positions|jobs|careers|openings|teams)\s+in\s+(?P<area>{_TITLE_PHRASE})",
    )
    matches = sorted(
        (match.start(), match["area"])
        for pattern in patterns
        for match in re.finditer(pattern, regional_demand)
    )
    for _, area in matches:
        if area.casefold() not in (role.casefold(), country.casefold()):
            return area
    return None


def salaries(
    texts: Sequence[tuple[str, str]],
    country: str,
    when: date | None,
    problems: list[str],
    warnings: list[str],
) -> dict[str, object] | None:
    """Currency, current average and projected salary, checked across the sections."""
    every = [amount for name, text in texts for amount in amounts(text, name, country)]
    chosen = {}
    for kind, label in (("current", "current average salary"), ("projected", "projected salary")):
        found = [amount for amount in every if amount.kind == kind]
        if not found:
            problems.append(f"no {label} (an amount next to '{kind}')")
            continue
        first = found[0]
        for other in found[1:]:
            if other.value != first.value or other.symbol != first.symbol:
                warnings.append(
                    f"{label} is {first.written} in {first.section} "
                    f"but {other.written} in {other.section}"
                )
        chosen[kind] = first
    if len(chosen) < 2:
        return None
    current, projected = chosen["current"], chosen["projected"]
    currency = currency_for(current.symbol, country, when)
    if currency is None and is_country(country):
        problems.append(_unknown_sign(current.symbol, country, when))
        return None
    if currency is None:
        return None
    if projected.symbol != current.symbol:
        problems.append(f"salaries in two currencies: {current.written} and {projected.written}")
        return None
    return {
        "currency": currency,
        "current_average": _number(current.value),
        "projected": _number(projected.value),
    }


def currency_for(symbol: str, country: str, when: date | None = None) -> str | None:
    """ISO 4217 code of a currency symbol as written about ``country`` (``$``, Canada -> CAD)."""
    try:
        territory = country_code(country)
    except ValueError:
        return None
    locale = locale_for(country)
    locales = [locale, Locale("en")] + [
        own for lang in get_official_languages(territory) if (own := _locale(lang, territory))
    ]
    for code in get_territory_currencies(territory, start_date=when, tender=True):
        if symbol == code or symbol in (get_currency_symbol(code, loc) for loc in locales):
            return code
    return None


def _unknown_sign(symbol: str, country: str, when: date | None) -> str:
    """Why ``symbol`` is not a currency of ``country``: naming both currencies if it can."""
    theirs = get_territory_currencies(country_code(country), start_date=when, tender=True)
    used = f"{country} uses {' or '.join(theirs)}" if theirs else f"{country} has no currency"
    if repair.is_damage(symbol):
        return (
            f"cannot tell which currency {symbol!r} is in {country}: a damaged sign that "
            f"could be {', '.join(sorted(repair.lost_signs(symbol))) or 'none known'} ({used})"
        )
    locales = money.locales(country)
    others = sorted(
        code
        for code in map(str, Locale("en").currencies)
        if code not in theirs
        and is_known_currency(code)
        and (symbol == code or any(get_currency_symbol(code, loc) == symbol for loc in locales))
    )
    if others:
        named = " or ".join(
            f"{code} ({get_currency_name(code, locale='en')})" for code in others[:3]
        )
        return f"cannot tell which currency {symbol!r} is in {country}: it is {named}, but {used}"
    return f"cannot tell which currency {symbol!r} is in {country} ({used})"


def _locale(language: str, territory: str) -> Locale | None:
    try:
        return Locale.parse(f"{language}_{territory}")
    except (UnknownLocaleError, ValueError):
        return None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def amounts(text: str, section: str, country: str = "") -> list[Amount]:
    """The amounts in a text that are told as current or projected by the words around them.

    An amount is written in any way CLDR knows for ``country`` (:mod:`exporter.ingest.money`;
    plain English without one), with its currency sign before or after it.
    """
    matches = []
    for match in money_pattern(country).finditer(text):
        value = parse_amount(match["amount"] or match["number"], country)
        if value is not None and _is_money(match):
            matches.append((match, value))
    kinds: list[str | None] = []
    for index, (match, _) in enumerate(matches):
        start = matches[index - 1][0].end() if index else 0
        before = _clause_tail(text[start : match.start()])
        end = matches[index + 1][0].start() if index + 1 < len(matches) else len(text)
        after = _clause_head(text[match.end() : end])
        kinds.append(_cue(reversed(before[-_WORDS_BEFORE:])) or _cue(after[:_WORDS_AFTER]))
    # "between $X and $Y", "from $X to $Y": the first is now, the second ahead.
    for index in range(len(matches) - 1):
        first, second = matches[index][0], matches[index + 1][0]
        joined = re.fullmatch(r"\s*(?:and|to|-|–)\s*", text[first.end() : second.start()])
        opened = re.search(r"\b(?:between|from)\s*$", text[: first.start()], re.I)
        if joined and opened and kinds[index] in (None, "current") and kinds[index + 1] is None:
            kinds[index], kinds[index + 1] = "current", "projected"
    return [
        Amount(kind, m["symbol"] or m["after"], value, m.group(), section)
        for (m, value), kind in zip(matches, kinds, strict=True)
        if kind is not None
    ]


def _is_money(match: re.Match[str]) -> bool:
    """An amount beside a sign, or beside a code of a currency (not "AWS 2")."""
    symbol = match["symbol"] or match["after"]
    if re.fullmatch("[A-Z]{3}", symbol):
        return symbol in Locale("en").currencies
    return repair.is_damage(symbol) or not re.match(repair.DAMAGE, symbol)


def _words(text: str) -> list[str]:
    return [word.casefold() for word in re.findall(r"[A-Za-z]+", text)]


def _clause_tail(text: str) -> list[str]:
    return _words(_CLAUSE_END.split(text)[-1])


def _clause_head(text: str) -> list[str]:
    return _words(_CLAUSE_END.split(text)[0])


def _cue(words: Iterable[str]) -> str | None:
    for word in words:
        if word.startswith(_PROJECTED):
            return "projected"
        if word.startswith(_CURRENT):
            return "current"
    return None
