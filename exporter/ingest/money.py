"""How amounts of money are written about a country, as CLDR knows it.

A page about a country may write an amount the way English in that country does
(``en_IN``: ``₹24,50,000``), plain English (``$141,344``), or the way the
country's official languages do (``de_CH``: ``CHF 141'344``; ``id``:
``Rp450.000.000``; ``vi``: ``850.000.000 ₫``). :func:`conventions` collects
those ways from CLDR: the grouping separator, the decimal separator and the
group sizes (three, or three then two for the Indian lakh and crore).
:func:`parse_amount` reads an amount written in any of them; the sign before or
after it is matched by :func:`money_pattern`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import get_currency_symbol, get_territory_currencies

from exporter.ingest import repair
from exporter.model.country import country_code, locale_for

__all__ = [
    "Convention",
    "conventions",
    "group_separators",
    "locales",
    "money_pattern",
    "parse_amount",
    "signs",
]

#: Spaces a grouping "space" may be written with: the locale's (no-break or narrow
#: no-break), or whatever the page used instead.
_SPACES = " \u00a0\u202f"
#: Apostrophes a grouping apostrophe may be written with.
_APOSTROPHES = "'\u2019"


@dataclass(frozen=True)
class Convention:
    """One way of writing numbers: ``1,234,567.89``, ``12,34,567.89``, ``1.234.567,89``."""

    group: str  #: grouping separator
    decimal: str  #: decimal separator
    primary: int  #: digits in the last group (3)
    secondary: int  #: digits in the groups before it (3, or 2 in India)

    @property
    def pattern(self) -> re.Pattern[str]:
        group = _class(self.group)
        decimal = _class(self.decimal)
        first, rest = self.secondary, self.primary
        grouped = rf"\d{{1,{first}}}(?:{group}\d{{{first}}})*{group}\d{{{rest}}}"
        return re.compile(rf"(?P<whole>{grouped}|\d+)(?:{decimal}(?P<fraction>\d{{1,2}}))?")

    def parse(self, text: str) -> Decimal | None:
        """The value of ``text`` written in this convention, or None if it is not."""
        match = self.pattern.fullmatch(text)
        if match is None:
            return None
        whole = re.sub(r"\D", "", match["whole"])
        return Decimal(f"{whole}.{match['fraction']}" if match["fraction"] else whole)


def _class(separator: str) -> str:
    """A regex for ``separator`` and the characters a page may write it with."""
    if separator in _SPACES:
        return f"[{_SPACES}]"
    if separator in _APOSTROPHES:
        return f"[{_APOSTROPHES}]"
    return re.escape(separator)


@cache
def locales(country: str) -> tuple[Locale, ...]:
    """English as used in the country, plain English, then the country's official languages."""
    try:
        territory = country_code(country)
    except ValueError:
        return (Locale("en"),)
    found = [locale_for(country), Locale("en")]
    for language in get_official_languages(territory):
        try:
            found.append(Locale.parse(f"{language}_{territory}"))
        except (UnknownLocaleError, ValueError):
            continue
    return tuple(dict.fromkeys(found))


@cache
def conventions(country: str) -> tuple[Convention, ...]:
    """Every way CLDR writes numbers about ``country``, English as used there first."""
    found: list[Convention] = []
    for locale in locales(country):
        symbols = locale.number_symbols.get("latn", {})
        group, decimal = symbols.get("group", ","), symbols.get("decimal", ".")
        for number_format in (locale.decimal_formats[None], locale.currency_formats["standard"]):
            primary, secondary = number_format.grouping
            if 0 < primary < 10 and 0 < secondary < 10:
                found.append(Convention(group, decimal, primary, secondary))
    return tuple(dict.fromkeys(found))


def group_separators(country: str) -> str:
    """The characters amounts about ``country`` may be grouped with."""
    chars = "".join(c.group for c in conventions(country))
    if any(c in _SPACES for c in chars):
        chars += _SPACES
    if any(c in _APOSTROPHES for c in chars):
        chars += _APOSTROPHES
    return "".join(dict.fromkeys(chars))


def parse_amount(text: str, country: str) -> Decimal | None:
    """The value of an amount written in any convention of ``country``; None if in none."""
    for convention in conventions(country):
        value = convention.parse(text)
        if value is not None:
            return value
    return None


@cache
def signs(country: str, when: date | None = None) -> tuple[str, ...]:
    """The signs of the country's currencies: ``₹``, ``Rp``, ``CHF``, ``R$``, longest first."""
    try:
        territory = country_code(country)
    except ValueError:
        return ()
    found = set()
    for code in get_territory_currencies(territory, start_date=when, tender=True):
        found.add(code)
        found.update(get_currency_symbol(code, locale) for locale in locales(country))
    return tuple(sorted(found, key=lambda sign: (-len(sign), sign)))


@cache
def _symbol_chars() -> str:
    return "".join(
        chr(c) for c in range(0x20, 0x10000) if unicodedata.category(chr(c)) == "Sc"
    ).replace("\\", "")


@cache
def money_pattern(country: str) -> re.Pattern[str]:
    """An amount with a currency sign before it (``symbol``) or after it (``after``)."""
    separators = "".join(
        dict.fromkeys(group_separators(country) + "".join(c.decimal for c in conventions(country)))
    )
    number = rf"\d(?:[{re.escape(separators)}]?\d)*"
    chars = re.escape(_symbol_chars())
    words = "|".join(re.escape(s) for s in signs(country) if not re.fullmatch("[A-Z]{3}", s))
    damaged = repair.DAMAGE  # a sign the scrape damaged beyond repair: reported, not guessed
    sign = rf"(?:{words + '|' if words else ''}[A-Z]{{0,2}}[{chars}]|[A-Z]{{3}}|{damaged})"
    space = f"[{_SPACES}]?"
    return re.compile(
        rf"(?<!\w)(?P<symbol>{sign}){space}(?P<amount>{number})(?![\d{re.escape(separators)}]*\d)"
        rf"|(?<!\w)(?<!\d[{re.escape(separators)}])(?P<number>{number}){space}(?P<after>{sign})"
        r"(?!\w)"
    )
