"""The role's salaries: which figures of a page are its current average and its projection.

A page holds many amounts of money. One is the role's current average and one its
projection; the others belong to something else (a national or all-occupation
average, a median, a rent, a cost of living, a bonus). Which is which is read
from the clause around each amount: the words before it ("the current average
is", "toward a projected", "from ... to") and right after it. An amount whose
clause names something else is set aside wherever it stands. Every amount that
is a candidate for a fact must agree with the others: a page that gives two
different values for one fact is refused, quoting each with its section, unless
the caller accepts the Market Overview's value (and that decision is recorded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import get_currency_name, get_currency_symbol, get_territory_currencies

from exporter.ingest import money, repair
from exporter.ingest.evidence import Evidence, quoted, sentence_at
from exporter.ingest.money import money_pattern, parse_amount
from exporter.model.country import country_code, is_country, locale_for
from exporter.model.currency import is_known_currency

#: Words that say the amount after them is the current average, or the projection.
_CURRENT = ("current", "average", "today", "now", "present", "from")
_PROJECTED = ("project", "forecast", "expect", "toward", "target", "anticipat", "predict")
#: Words that say an amount belongs to something other than the role's pay.
_OTHER = (
    "nation", "economy", "economi", "occupation", "overall", "median", "rent", "housing",
    "living", "bonus", "signing", "equity", "tax", "gdp", "capita", "minimum", "household",
    "mortgage", "grocer", "month", "week", "hour", "percentile", "quartile", "entry",
    "starting", "junior", "workforce", "workers", "inflation",
)  # fmt: skip
#: How far from an amount, in words, a cue may stand: before it, and after it.
_WORDS_BEFORE, _WORDS_AFTER = 12, 2
#: How far from an amount, in words, a word naming something else may stand.
_OTHER_BEFORE, _OTHER_AFTER = 12, 5
#: What ends the clause an amount is described in: punctuation, or a word that turns
#: to another subject ("..., while", "against", "compared with").
_CLAUSE_END = re.compile(
    r"[.;:!?()—–,]|\s-\s|\b(?:while|whereas|but|against|versus|vs|compared|than|and)\b", re.I
)
OVERVIEW = "Market Overview"
#: What :func:`salaries` calls an amount it set aside as something else's figure.
SET_ASIDE = "not the role's figure"


@dataclass(frozen=True)
class Amount:
    """An amount of money as the page writes it, where, and what it is of."""

    kind: str  #: "current", "projected", or "other" (something else's figure)
    symbol: str
    value: Decimal
    written: str
    section: str
    sentence: str = ""
    #: Said by a word of its own ("current", "projected"), not only by "from" or by
    #: standing in a range ("between $X and $Y"), which a fact cannot rest on alone.
    cued: bool = True


@dataclass(frozen=True)
class Salaries:
    """The salary facts read from a page, the sentences they came from, decisions taken."""

    data: dict[str, object] | None
    evidence: tuple[Evidence, ...]
    decisions: tuple[str, ...]


_FACTS = (
    ("current", "current average salary", "salary.current_average"),
    ("projected", "projected salary", "salary.projected"),
)


def salaries(
    texts: Sequence[tuple[str, str]],
    role: str,
    country: str,
    when: date | None,
    problems: list[str],
    accept_overview: bool = False,
) -> Salaries:
    """Currency, current average and projected salary, agreed on across the sections."""
    every = [amount for name, text in texts for amount in amounts(text, name, country, role)]
    chosen: dict[str, Amount] = {}
    decisions: list[str] = []
    for kind, label, fact in _FACTS:
        found = [amount for amount in every if amount.kind == kind]
        if not found:
            problems.append(f"no {label} (an amount next to '{kind}')")
            continue
        if not any(amount.cued for amount in found):
            problems.append(
                f"{fact}: no sentence says which figure is the {label}: only "
                + "; ".join(f"{a.written} in {a.section} ({quoted(a.sentence)})" for a in found)
            )
            continue

        def worth(amount: Amount) -> tuple[Decimal, str]:
            # "$141,344" and "CAD 141,344" say the same about Canada.
            return amount.value, currency_for(amount.symbol, country, when) or amount.symbol

        amount = _agreed(found, label, fact, worth, accept_overview, problems, decisions)
        if amount is not None:
            chosen[kind] = amount
    if len(chosen) < 2:
        return Salaries(None, (), ())
    current, projected = chosen["current"], chosen["projected"]
    currency = currency_for(current.symbol, country, when)
    if currency is None:
        if is_country(country):
            problems.append(_unknown_sign(current.symbol, country, when))
        return Salaries(None, (), ())
    if currency_for(projected.symbol, country, when) != currency:
        problems.append(f"salaries in two currencies: {current.written} and {projected.written}")
        return Salaries(None, (), ())
    data: dict[str, object] = {
        "currency": currency,
        "current_average": _number(current.value),
        "projected": _number(projected.value),
    }
    evidence = (
        Evidence("salary.currency", currency, current.section, current.sentence),
        Evidence("salary.current_average", current.written, current.section, current.sentence),
        Evidence("salary.projected", projected.written, projected.section, projected.sentence),
        *(
            Evidence(SET_ASIDE, amount.written, amount.section, amount.sentence)
            for amount in every
            if amount.kind == "other"
        ),
    )
    return Salaries(data, evidence, tuple(decisions))


def _agreed(
    found: list[Amount],
    label: str,
    fact: str,
    worth: Callable[[Amount], tuple[Decimal, str]],
    accept_overview: bool,
    problems: list[str],
    decisions: list[str],
) -> Amount | None:
    """The one value the page gives for a fact; a contradiction is a problem, or a decision."""
    values = set(map(worth, found))
    overview = [a for a in found if a.section == OVERVIEW]
    first = (overview or found)[0]
    if len(values) == 1:
        return first
    places = {(a.written, a.section): a for a in found}.values()
    said = "; ".join(f"{a.written} in {a.section} ({quoted(a.sentence)})" for a in places)
    settled = len(set(map(worth, overview))) == 1
    if accept_overview and settled:
        others = [a for a in places if worth(a) != worth(first)]
        decisions.append(
            f"{fact}: the page contradicts itself ({said}); the Market Overview's "
            f"{first.written} was kept, as asked (--accept-overview-value), over "
            + ", ".join(f"{a.written} in {a.section}" for a in others)
        )
        return first
    hint = (
        "--accept-overview-value imports the Market Overview's"
        if settled
        else "the Market Overview does not settle it"
    )
    problems.append(f"{fact}: the page gives more than one {label}: {said} ({hint})")
    return None


def amounts(text: str, section: str, country: str = "", role: str = "") -> list[Amount]:
    """The amounts in a text told apart by the words around them; amounts with no cue are left out.

    An amount is written in any way CLDR knows for ``country`` (:mod:`exporter.ingest.money`;
    plain English without one), with its currency sign or code before or after it. It is
    something else's ("other") if its sentence names something else before it (since the
    last mention of ``role``: "Across all occupations, the average is ...") or right after.
    """
    matches = []
    for match in money_pattern(country).finditer(text):
        value = parse_amount(match["amount"] or match["number"], country)
        if value is not None and _is_money(match):
            matches.append((match, value))
    kinds: list[str | None] = []
    weak: set[int] = set()
    for index, (match, _) in enumerate(matches):
        start = matches[index - 1][0].end() if index else 0
        before = _clause_tail(text[start : match.start()])
        end = matches[index + 1][0].start() if index + 1 < len(matches) else len(text)
        after = _clause_head(text[match.end() : end])
        about = _subject_words(text[start : match.start()], role, country)
        if _names_other(about[-_OTHER_BEFORE:]) or _names_other(after[:_OTHER_AFTER]):
            kinds.append("other")
            continue
        cue = _cue(reversed(before[-_WORDS_BEFORE:])) or _cue(after[:_WORDS_AFTER])
        kinds.append(cue[0] if cue else None)
        if cue and cue[1] == "from":
            weak.add(index)
    weak |= _ranges(text, [m for m, _ in matches], kinds)
    # "from $X toward a projected $Y": a projection said in words makes "from" the present.
    for index in sorted(weak):
        following = index + 1
        if (
            following < len(matches)
            and following not in weak
            and kinds[index] == "current"
            and kinds[following] == "projected"
            and not re.search(
                r"[.!?]\s", text[matches[index][0].end() : matches[following][0].start()]
            )
        ):
            weak.discard(index)
    return [
        Amount(
            kind,
            m["symbol"] or m["after"],
            value,
            m.group(),
            section,
            sentence_at(text, m.start(), m.end()),
            cued=index not in weak,
        )
        for index, ((m, value), kind) in enumerate(zip(matches, kinds, strict=True))
        if kind is not None
    ]


def _ranges(text: str, matches: list[re.Match[str]], kinds: list[str | None]) -> set[int]:
    """Amounts joined as a range ("between $X and $Y", "from $X to $Y"): now, then ahead.

    Returns the indexes of the amounts only the range told apart.
    """
    ranged: set[int] = set()
    for index in range(len(matches) - 1):
        first, second = matches[index], matches[index + 1]
        joined = re.fullmatch(r"\s*(?:and|to|-|–)\s*", text[first.end() : second.start()])
        opened = re.search(r"\b(?:between|from)\s*$", text[: first.start()], re.I)
        if joined and opened and kinds[index] in (None, "current") and kinds[index + 1] is None:
            if kinds[index] is None:
                ranged.add(index)
            kinds[index], kinds[index + 1] = "current", "projected"
            ranged.add(index + 1)
    return ranged


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


def _subject_words(text: str, role: str, country: str) -> list[str]:
    """The words of the sentence before an amount that say whose figure it is.

    From the last mention of the role on, with the words of its clause before it
    ("entry-level Data Engineer"); without a mention of the role, a sentence that
    names the country is about the country ("the average salary in Canada"), and
    ``nation`` stands for it.
    """
    sentence = re.split(r"(?<=[.!?])\s+|\n", text)[-1]
    at = sentence.casefold().rfind(role.casefold()) if role else -1
    if at >= 0:
        qualifiers = _CLAUSE_END.split(sentence[:at])[-1]
        return _words(qualifiers + " " + sentence[at + len(role) :])
    words = _words(sentence)
    if country and re.search(rf"\b{re.escape(country)}\b", sentence, re.I):
        words.append("nation")
    return words


def _names_other(words: Iterable[str]) -> bool:
    return any(word.startswith(_OTHER) for word in words)


def _cue(words: Iterable[str]) -> tuple[str, str] | None:
    """The kind the nearest cue word says, and the word."""
    for word in words:
        if word.startswith(_PROJECTED):
            return "projected", word
        if word.startswith(_CURRENT):
            return "current", word
    return None
