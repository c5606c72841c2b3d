"""Currencies a salary may be in, and how large a salary in each may plausibly be.

A salary's currency is an ISO 4217 code that CLDR (through Babel) lists as legal
tender in some country at some time since 2000: ``EUR``, ``INR``, ``VND``; not
``XYZ``, not the "no currency" and test codes (``XXX``, ``XTS``), not gold.

The largest salary accepted is one bound in US-dollar terms,
:data:`SALARY_LIMIT_USD`, converted with the currency's typical magnitude
(:data:`UNITS_PER_USD`): no average salary of a role in a country comes near a
million dollars a year, so an amount above it is a digit too many or cents given
as whole units. A dong salary of 850,000,000 passes; $1,413,440 (a digit too
many in $141,344) fails.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies, list_currencies

__all__ = [
    "SALARY_LIMIT_USD",
    "UNITS_PER_USD",
    "country_currency",
    "currency_problem",
    "is_known_currency",
    "salary_limit",
]

#: The largest plausible average salary, in US dollars a year.
SALARY_LIMIT_USD = 1_000_000

#: Since when a currency counts as in use (CLDR keeps the currencies of every era).
_IN_USE_SINCE = date(2000, 1, 1)

#: Units of each currency per US dollar, by order of magnitude.
#:
#: Source: market exchange rates of 2024-2025 (central-bank reference rates such as
#: the ECB's euro reference rates and the IMF's representative rates), each rounded
#: *up* to two significant figures, and generously for currencies that were losing
#: value fast (ARS, TRY, NGN, EGP, IRR, LBP, VES), so a limit errs on the side of
#: passing. Only the magnitude matters: a rate off by a third moves the limit by a
#: third, a digit too many moves an amount tenfold. A currency not listed here
#: counts as one unit per dollar. Review the table when a currency is redenominated.
UNITS_PER_USD: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in {
        # About one unit per dollar, or less.
        "USD": "1", "EUR": "1", "GBP": "1", "CHF": "1", "KWD": "0.35", "BHD": "0.4",
        "OMR": "0.4", "JOD": "0.75", "KYD": "0.85", "PAB": "1", "BSD": "1", "BMD": "1",
        "FKP": "1", "GIP": "1", "SHP": "1",
        # Up to ten.
        "CAD": "1.5", "AUD": "1.7", "NZD": "1.9", "SGD": "1.4", "BND": "1.4", "AZN": "1.7",
        "AWG": "1.8", "ANG": "1.8", "XCG": "1.8", "BBD": "2", "BZD": "2", "BAM": "2",
        "BGN": "2", "FJD": "2.4", "TOP": "2.5", "XCD": "2.7", "GEL": "2.9", "WST": "2.9",
        "TND": "3.3", "BYN": "3.5", "TMT": "3.5", "AED": "3.7", "QAR": "3.7", "SAR": "3.8",
        "ILS": "3.9", "PEN": "3.9", "PGK": "4.2", "PLN": "4.4", "MYR": "4.8", "RON": "5",
        "BRL": "6.2", "LYD": "5.6", "TTD": "6.8", "BOB": "7", "DKK": "7.5", "CNY": "7.3",
        "HKD": "7.8", "GTQ": "7.8", "MOP": "8.1", "SBD": "8.6",
        # Tens.
        "SEK": "11", "NOK": "12", "TJS": "11", "MAD": "10.5", "BWP": "14", "GHS": "16",
        "SCR": "15", "ERN": "15", "MVR": "16", "MDL": "19", "ZAR": "19", "NAD": "19",
        "SZL": "19", "LSL": "19", "MXN": "21", "SLE": "24", "CZK": "25", "STN": "25",
        "HNL": "27", "ZMW": "29", "ZWG": "30", "TWD": "33", "THB": "37", "NIO": "37",
        "MRU": "40", "SRD": "40", "UAH": "42", "UYU": "44", "TRY": "45", "MUR": "47",
        "EGP": "55", "PHP": "59", "DOP": "64", "MZN": "64", "GMD": "73", "AFN": "73",
        "INR": "89", "BTN": "89", "KGS": "88",
        # Hundreds.
        "RUB": "110", "CVE": "110", "RSD": "120", "ALL": "100", "MKD": "62", "XPF": "125",
        "BDT": "125", "VUV": "125", "KES": "130", "DZD": "140", "HTG": "135", "ETB": "160",
        "ISK": "145", "NPR": "140", "JPY": "160", "JMD": "160", "DJF": "180", "LRD": "200",
        "GYD": "210", "PKR": "290", "LKR": "310", "HUF": "410", "AMD": "400", "CUP": "400",
        "KMF": "500", "CRC": "520", "KZT": "540", "YER": "550", "SOS": "580",
        "SDG": "610", "XOF": "680", "XAF": "680", "VES": "500", "AOA": "950",
        # Thousands and more.
        "CLP": "1000", "KPW": "900", "IQD": "1400", "RWF": "1500", "KRW": "1500",
        "ARS": "1500", "NGN": "1700", "MWK": "1800", "MMK": "4500", "TZS": "2800",
        "CDF": "2900", "SSP": "5000", "BIF": "3000", "MNT": "3500", "UGX": "3800", "KHR": "4100",
        "COP": "4500", "MGA": "4700", "PYG": "8000", "GNF": "8700", "UZS": "13000",
        "SYP": "15000", "IDR": "17000", "LAK": "22000", "VND": "26000", "LBP": "90000",
        "IRR": "1000000",
    }.items()
}  # fmt: skip


@cache
def _currencies_in_use() -> frozenset[str]:
    known = set(list_currencies())
    in_use: set[str] = set()
    for territory in map(str, Locale("en").territories):
        if territory.isalpha():
            in_use.update(
                get_territory_currencies(territory, start_date=_IN_USE_SINCE, tender=True)
            )
    return frozenset(in_use & known)


def is_known_currency(code: str) -> bool:
    """True for an ISO 4217 code CLDR lists as legal tender somewhere since 2000."""
    return code in _currencies_in_use()


def country_currency(territory: str, when: date | None = None) -> str | None:
    """The currency of a country (ISO 3166 code) at ``when`` (today by default), per CLDR."""
    codes = get_territory_currencies(territory, start_date=when, tender=True)
    return codes[0] if codes else None


def currency_problem(code: str, territory: str | None) -> str:
    """Why ``code`` is no salary currency, suggesting the currency of ``territory`` if known."""
    message = f"unknown currency {code!r}: not an ISO 4217 code in use (e.g. 'EUR', 'INR')"
    suggestion = country_currency(territory) if territory else None
    if suggestion:
        country = Locale("en").territories.get(territory or "", territory)
        name = get_currency_name(suggestion, locale="en")
        message += f"; {country} uses {suggestion} ({name})"
    return message


def salary_limit(code: str) -> Decimal:
    """The largest plausible salary in ``code``: :data:`SALARY_LIMIT_USD` in that currency."""
    return SALARY_LIMIT_USD * UNITS_PER_USD.get(code, Decimal(1))
