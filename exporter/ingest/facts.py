"""Facts found in the text of a market-intelligence page, by what surrounds them.

Pure functions over repaired text: the header line (when the data is from, how
many data points), the practice area, and the skills and certifications told
apart by the bold terms and the sentence they stand in. Salaries are
:mod:`exporter.ingest.salary`'s. Problems are appended to lists the caller
passes in, so one page reports everything at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from babel.dates import get_month_names

from exporter.model.markup import bold_terms, without_bold

_UPDATED = re.compile(
    r"Last[ -]?Updated\s*:?\s*(?:"
    r"(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})"
    r"|(?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})(?:-(?P<iso_day>\d{1,2}))?)(?![\d-])",
    re.I,
)
#: How a page may group the digits of a count: comma, space (plain, no-break, thin,
#: narrow no-break), apostrophe or dot; one kind in one number.
_GROUP = "[,. \u00a0\u2009\u202f'\u2019]"
_COUNT = rf"(?P<n>\d{{1,3}}(?P<sep>{_GROUP})\d{{3}}(?:(?P=sep)\d{{3}})*|\d+)"
_DATA_POINTS = re.compile(
    rf"Based on\s+{_COUNT}\s+(?:data[ -]?points?|salaries|salary reports?|responses?)(?![a-z])",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'‘*(])")
_CERTIFICATE_WORDS = re.compile(r"certif|credential", re.I)
_TITLE_PHRASE = r"[A-Z][\w/+.-]*(?:\s+(?:(?:&|and)\s+)?[A-Z][\w/+.-]*)*"


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


def header_line(header: str, fact: str) -> str:
    """The line of the header that ``updated`` or ``data_points`` was read from."""
    pattern = _UPDATED if fact == "updated" else _DATA_POINTS
    return next((line for line in header.splitlines() if pattern.search(line)), "")


def updated_month(header: str, problems: list[str]) -> str:
    """``2026-04`` from "Last Updated: April 2026", "Apr 2026", "2026-04" or "2026-04-21"."""
    match = _UPDATED.search(header)
    if match is None:
        problems.append("no 'Last Updated: <month> <year>'")
        return ""
    if match["iso_year"]:
        year, month = int(match["iso_year"]), int(match["iso_month"])
        try:
            date(year, month, int(match["iso_day"] or 1))
        except ValueError:
            problems.append(
                f"'Last Updated: {match.group().split(':', 1)[-1].strip()}' is not a date"
            )
            return ""
        return f"{year:04d}-{month:02d}"
    wanted = match["month"].casefold()
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale="en").items():
            if name.casefold().rstrip(".") == wanted:
                return f"{match['year']}-{number:02d}"
    problems.append(f"unknown month {match['month']!r} in 'Last Updated'")
    return ""


def data_points(header: str, problems: list[str]) -> int:
    """The sample size from "Based on 2,454 data points" (or salaries, or responses)."""
    match = _DATA_POINTS.search(header)
    if match is None:
        problems.append("no 'Based on <n> data points'")
        return 0
    return int(re.sub(r"\D", "", match["n"]))


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
