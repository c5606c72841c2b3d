"""Money, number, percent and date formatting, as a reader in the role's country expects.

Reports are written in English; numbers follow the conventions of English as used
in the role's country (``en_CA`` for Canada: ``$141,344``), falling back to plain
``en`` where CLDR has no such locale. Salaries are shown in whole units.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from exporter.model.country import language_tag, locale_for

__all__ = ["integer", "language_tag", "money", "month", "percent", "signed_money"]


@cache
def _money_pattern(locale: Locale) -> str:
    pattern: str = locale.currency_formats["standard"].pattern
    # Keep the locale's symbol placement and grouping, drop the cents.
    return pattern.split(";")[0].replace(".00", "")


def money(amount: Decimal, currency: str, country: str) -> str:
    """``$141,344`` for 141344 CAD in Canada."""
    locale = locale_for(country)
    return format_currency(
        amount, currency, format=_money_pattern(locale), locale=locale, currency_digits=False
    )


def signed_money(amount: Decimal, currency: str, country: str) -> str:
    """``+$11,307`` or ``−$2,000``: money with an explicit sign."""
    sign = "+" if amount >= 0 else "\u2212"
    return sign + money(abs(amount), currency, country)


def percent(ratio: Decimal, country: str) -> str:
    """``+8.0%`` for 0.08: a signed percentage with one decimal."""
    text = format_percent(abs(ratio), "#,##0.0%", locale=locale_for(country))
    return ("+" if ratio >= 0 else "\u2212") + text


def integer(value: int, country: str) -> str:
    """``2,454``: a count with the country's grouping."""
    return format_decimal(value, locale=locale_for(country))


def month(day: date, country: str) -> str:
    """``April 2026``."""
    return format_date(day, "MMMM y", locale=locale_for(country))
