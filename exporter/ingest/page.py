"""A market-intelligence page cut into its parts: title, header line, sections, checklist.

The text is repaired first (:mod:`exporter.ingest.repair` for UTF-8 read as Thai,
:mod:`exporter.ingest.damage` for UTF-8 read as Windows-1252 or Latin-1); headings
are found by name, in any case and any order, with or without icons, markup or a
colon. No fact is read here: :mod:`exporter.ingest.facts` and
:mod:`exporter.ingest.salary` read them from the parts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from exporter.errors import PageError
from exporter.ingest import damage, money, repair
from exporter.ingest.facts import is_header_line
from exporter.model.country import is_country


@dataclass(frozen=True)
class Heading:
    """A section heading: the field it fills, its name, and how a page may write it."""

    key: str
    name: str
    pattern: str  #: regex; ``who`` captures the role or country the heading names
    names: str = ""  #: "role" or "country": what ``who`` should equal
    required: bool = True


HEADINGS = (
    Heading("market_overview", "Market Overview", r"Market Overview"),
    Heading("regional_demand", "Regional Demand Signals", r"Regional Demand Signals"),
    Heading("growth_catalyst", "Growth Catalyst", r"Growth Catalyst"),
    Heading("career_moat", "Career Moat", r"Career Moat"),
    Heading("skill_premium", "Skill Premium Analysis", r"Skill Premium Analysis"),
    Heading(
        "required_skills",
        "Required Skills",
        r"Required Skills(?: for (?P<who>.+?))?",
        "role",
        required=False,
    ),
    Heading("ai_impact", "AI Impact", r"AI Impact(?: on (?P<who>.+?))?(?: Careers)?", "role"),
    Heading("negotiation", "Negotiation Strategy", r"Negotiation Strategy"),
    Heading(
        "cost_of_living",
        "Cost of Living Context",
        r"Cost of Living Context(?::? (?P<who>.+?))?",
        "country",
    ),
    Heading(
        "checklist",
        "Strategic Checklist",
        r"Strategic Checklist(?: for (?P<who>.+?))?(?: Professionals)?",
        "role",
        required=False,
    ),
)

#: The name of each section as the role file's field.
FIELDS = {h.name: f"sections.{h.key}" for h in HEADINGS if h.key != "checklist"} | {
    "Strategic Checklist": "checklist"
}

_TITLE = re.compile(r"Market Intelligence:\s*(?P<rest>.+)", re.IGNORECASE)
_HEADING_RES = tuple(re.compile(h.pattern, re.IGNORECASE) for h in HEADINGS)
#: A heading glued to the end of the line before it ("...data pointsMarket Overview").
_GLUED = tuple(
    re.compile(rf"(?<=[A-Za-z0-9.,;:!?)\]])(?:{h.pattern})$", re.IGNORECASE) for h in HEADINGS
)
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+(?P<body>.+)$")
_LABELLED = re.compile(r"^(?:\*\*)?(?P<label>[^:*]{1,100}?)(?:\*\*)?:(?:\*\*)?\s+(?P<text>.+)$")


@dataclass(frozen=True)
class Page:
    """A page cut into its parts, repaired, before any fact is read from it."""

    title: str  #: the title line, as repaired
    role: str
    country: str
    thai: bool  #: the page is written in Thai (not damaged): its Thai is left alone
    header: str
    sections: Mapping[str, str]
    checklist: tuple[Mapping[str, str], ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def texts(self) -> list[tuple[str, str]]:
        """Every text of the page named by its section, in page order."""
        texts = [(h.name, self.sections[h.key]) for h in HEADINGS if h.key in self.sections]
        return texts + [("Strategic Checklist", item["text"]) for item in self.checklist]


def repaired_lines(text: str, country: str = "") -> list[str]:
    """The page's lines, stripped, its text damage repaired, glued headings split off."""
    if is_country(country):
        # Knowing the country: its currency signs and grouping decide between
        # characters whose remaining bytes fit equally.
        text = repair.repair_text(text, money.signs(country), money.group_separators(country))
    else:
        text = repair.repair_text(text)
    return _split_glued([line.strip() for line in damage.fix_encoding(text).splitlines()])


def structure(text: str, source: str) -> Page:
    """Title, header, sections and checklist of a page; PageError if it has no title."""
    problems: list[str] = []
    warnings: list[str] = []
    # The title first, to know the country; then the whole page, repaired knowing it.
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    title = _TITLE.fullmatch(next(iter(repaired_lines(first_line)), ""))
    country = _role_and_country(title["rest"])[1] if title else ""
    lines = repaired_lines(text, country)
    title_at = next((i for i, line in enumerate(lines) if line), 0)
    title = _TITLE.fullmatch(lines[title_at]) if lines else None
    if title is None:
        raise PageError(
            source,
            ["not a market-intelligence page: no title 'Market Intelligence: <role> in <country>'"],
        )
    role, country = _role_and_country(title["rest"])
    if not country:
        problems.append("no country in the title ('Market Intelligence: <role> in <country>')")
    elif not is_country(country):
        problems.append(f"unknown country {country!r} in the title (use its English name)")
    thai = repair.is_thai_text(text)
    found = _find_headings(lines, title_at + 1, thai, problems)
    _check_headings(found, role, country, problems, warnings)
    first = min((at for at, _ in found.values()), default=len(lines))
    header_lines = [line for line in lines[title_at + 1 : first] if line]
    for line in header_lines:
        if not is_header_line(line):
            warnings.append(f"text before the first section ignored: {line[:60]!r}")
    bodies = _bodies(lines, found)
    return Page(
        title=lines[title_at],
        role=role,
        country=country,
        thai=thai,
        header="\n".join(header_lines),
        sections={
            h.key: _paragraphs(bodies.get(h.key, [])) for h in HEADINGS if h.key != "checklist"
        },
        checklist=tuple(_checklist(bodies.get("checklist", []), problems, warnings)),
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _check_headings(
    found: dict[str, tuple[int, str]],
    role: str,
    country: str,
    problems: list[str],
    warnings: list[str],
) -> None:
    for heading in HEADINGS:
        if heading.key not in found and heading.required:
            problems.append(f"no '{heading.name}' section")
        elif heading.key in found and heading.names:
            who = found[heading.key][1]
            expected = role if heading.names == "role" else country
            if who and who.casefold() != expected.casefold():
                warnings.append(f"heading '{heading.name}' names {who!r}, the title {expected!r}")


def _role_and_country(rest: str) -> tuple[str, str]:
    """Split "<role> in <country>" at the " in " before a known country."""
    parts = re.split(r"\s+in\s+", rest.strip())
    for cut in range(len(parts) - 1, 0, -1):
        country = " in ".join(parts[cut:])
        if is_country(country):
            return " in ".join(parts[:cut]), country
    if len(parts) == 1:
        return rest.strip(), ""
    return " in ".join(parts[:-1]), parts[-1]


def _split_glued(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        for glued in _GLUED:
            match = glued.search(line)
            if match and match.start() > 0:
                out += [line[: match.start()].rstrip(), match.group()]
                break
        else:
            out.append(line)
    return out


def _heading_of(line: str, thai: bool) -> tuple[int, str] | None:
    """Which heading a line is, and the role or country it names."""
    if not line or line[-1] in ".!?":
        return None
    name = line if thai else repair.strip_icon_remnant(line)
    name = name.strip("#*_ ").rstrip(": ").strip("*_ ")
    while name and unicodedata.category(name[0])[0] in "SZCM":  # icons, their joiners
        name = name[1:].lstrip()
    for index, pattern in enumerate(_HEADING_RES):
        match = pattern.fullmatch(name)
        if match:
            return index, (match.groupdict().get("who") or "").strip()
    return None


def _find_headings(
    lines: list[str], start: int, thai: bool, problems: list[str]
) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for at in range(start, len(lines)):
        heading = _heading_of(lines[at], thai)
        if heading is None:
            continue
        key = HEADINGS[heading[0]].key
        if key in found:
            problems.append(f"heading '{HEADINGS[heading[0]].name}' appears twice")
        else:
            found[key] = (at, heading[1])
    return found


def _bodies(lines: list[str], found: dict[str, tuple[int, str]]) -> dict[str, list[str]]:
    starts = sorted((at, key) for key, (at, _) in found.items())
    ends = [at for at, _ in starts[1:]] + [len(lines)] if starts else []
    return {key: lines[at + 1 : end] for (at, key), end in zip(starts, ends, strict=True)}


def _paragraphs(lines: list[str]) -> str:
    """Each non-empty line of a section is a paragraph; a blank line separates them."""
    return "\n\n".join(line for line in lines if line)


def _checklist(lines: list[str], problems: list[str], warnings: list[str]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for line in filter(None, lines):
        bullet = _BULLET.match(line)
        if bullet is None:
            if items:
                items[-1]["text"] += " " + line
            else:
                warnings.append(
                    f"Strategic Checklist: text before the first item ignored: {line!r}"
                )
            continue
        labelled = _LABELLED.match(bullet["body"])
        if labelled is None:
            problems.append(f"checklist item {len(items) + 1} has no 'Label: text'")
            continue
        items.append({"label": labelled["label"].strip(), "text": labelled["text"].strip()})
    return items
