"""Countries as CLDR knows them: ISO codes and the locale a reader there expects.

Reports are written in English; numbers follow the conventions of English as used
in the role's country (``en_CA`` for Canada), falling back to plain ``en`` where
CLDR has no such locale.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

LANGUAGE = "en"


@cache
def _territory_codes() -> dict[str, str]:
    names = Locale(LANGUAGE).territories
    return {name.casefold(): code for code, name in names.items() if code.isalpha()}


def country_code(country: str) -> str:
    """ISO 3166 code of an English country name (``Canada`` -> ``CA``)."""
    code = _territory_codes().get(country.strip().casefold())
    if code is None:
        raise ValueError(f"unknown country {country!r} (use its English name, e.g. 'Canada')")
    return code


def is_country(country: str) -> bool:
    """True for an English country name CLDR knows."""
    return country.strip().casefold() in _territory_codes()


@cache
def locale_for(country: str) -> Locale:
    """The locale whose conventions a reader in ``country`` expects."""
    try:
        return Locale.parse(f"{LANGUAGE}_{country_code(country)}")
    except UnknownLocaleError:
        return Locale.parse(LANGUAGE)


def language_tag(country: str) -> str:
    """BCP 47 tag for documents about ``country`` (``en-CA``)."""
    locale = locale_for(country)
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language
