"""Pages written from a role: many phrasings, currencies, groupings, damages and distractors.

:func:`draw_case` draws a role (:class:`Spec`) and a way of writing it as a
market-intelligence page (:class:`Style`) from a :class:`Chooser`: Hypothesis's
``st.data()`` in the property test, a seeded ``random.Random`` for fixed pages.
:func:`write_page` writes the page. What the page must import to is the spec
itself, never computed by the importer. Damage is made the way real tools make
it: UTF-8 bytes read as TIS-620 (the scraper), as Windows-1252 (undefined bytes
kept as C1 controls, as browsers do), as Latin-1, or line by line a mixture.

``python -m tests.ingest.pagegen`` rewrites the seed-like pages in ``tests/pages``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tests.scrape import scrape

T = TypeVar("T")


class Chooser(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def randint(self, low: int, high: int) -> int: ...


@dataclass(frozen=True)
class Place:
    country: str
    currency: str
    signs: tuple[str, ...]  #: signs and codes that name the currency in this country
    groupings: tuple[tuple[str, str], ...]  #: (group, decimal) separators written there
    scale: int  #: a salary in this currency is about this many times one in dollars
    india: bool = False  #: lakh grouping (12,34,567) is also written


PLACES = (
    Place("Canada", "CAD", ("$", "CA$", "CAD"), ((",", "."), ("\u00a0", ",")), 1),
    Place("United Kingdom", "GBP", ("£", "GBP"), ((",", "."),), 1),
    Place("Germany", "EUR", ("€", "EUR"), ((".", ","), (",", ".")), 1),
    Place("Sweden", "SEK", ("kr", "SEK"), (("\u00a0", ","), (" ", ","), (",", ".")), 10),
    Place("Switzerland", "CHF", ("CHF",), (("'", "."), ("’", "."), (",", ".")), 1),
    Place("India", "INR", ("₹", "INR"), ((",", "."),), 30, india=True),
    Place("Japan", "JPY", ("¥", "JPY"), ((",", "."),), 100),
    Place("Australia", "AUD", ("A$", "AUD", "$"), ((",", "."),), 1),
    Place("United States", "USD", ("$", "USD"), ((",", "."),), 1),
    Place("France", "EUR", ("€", "EUR"), (("\u202f", ","), ("\u00a0", ","), (",", ".")), 1),
    Place("South Africa", "ZAR", ("R", "ZAR"), (("\u00a0", ","), (",", ".")), 10),
)
ROLES = (
    "Data Engineer",
    "Lead Backend Specialist",
    "Specialist in Cloud Security",
    "QA Lead",
    "Head of Data Platforms",
    "Machine Learning Lead",
)
AREAS = ("Software Engineering", "Data Science & AI", "Cyber Security", "Quality Engineering")
SKILLS = ("React/Next.js", "Python (NumPy/Pandas)", "Rust", "Apache Spark", "Kubernetes")
SECOND_SKILLS = ("System Design", "Statistics", "Kafka", "Terraform")
CERTS = ("AWS Certified Developer", "CISSP", "Certified Kubernetes Administrator")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

DATE_FORMS = ("long", "short", "short-dot", "iso-month", "iso-day")
SAMPLE_UNITS = ("data points", "salaries", "responses")
SAMPLE_GROUPS = (",", " ", "\u00a0", "\u2009", "\u202f", "'", "’", ".", "")
DAMAGES = ("none", "tis-620", "windows-1252", "latin-1", "mixed")
HEADING_CASES = ("title", "upper", "lower")
HEADING_DRESS = ("plain", "icons", "markdown", "colon")
OVERVIEWS = ("moved", "benchmarks", "subject", "earn", "reversed", "above-national")
NEGOTIATIONS = ("averages", "gap", "none")
#: Sentences with a figure that is not the role's: where they go, and how they read.
DISTRACTORS = {
    "national": "The national average across all occupations is {x}.",
    "all-occupations": "Across all occupations, the average salary in {country} is {x}.",
    "median": "The median salary in {country} stands at {x}.",
    "rent": "Average rents in the capital run at {x} a month.",
    "bonus": "Signing bonuses of {x} are common.",
    "living": "A comfortable cost of living budget is about {x} a year.",
    "national-after": "{x} is the national average.",
    "country-average": "The average salary in {country} is {x}.",
    "entry-level": "Entry-level {role} salaries start at an average of {x}.",
}
DISTRACTOR_PLACES = ("overview-before", "overview-after", "negotiation", "cost-of-living")


@dataclass(frozen=True)
class Spec:
    """The role a page is written from: what it must import back to."""

    role: str
    place: Place
    current: Decimal
    projected: Decimal
    year: int
    month: int
    data_points: int
    area: str
    top: str
    second: str
    cert: str

    def expected(self) -> dict[str, Any]:
        """The facts of the role file the page must import to."""
        return {
            "role": self.role,
            "country": self.place.country,
            "practice_area": self.area,
            "updated": f"{self.year}-{self.month:02d}",
            "data_points": self.data_points,
            "salary": {
                "currency": self.place.currency,
                "current_average": _number(self.current),
                "projected": _number(self.projected),
            },
            "skills": {"top": self.top, "premium": [self.top, self.second]},
            "certifications": {"key": self.cert, "secondary": []},
        }


@dataclass(frozen=True)
class Style:
    """How a page writes its role."""

    date_form: str = "long"
    day: int = 21
    sample_unit: str = "data points"
    sample_group: str = ","
    sign: str = "$"
    sign_after: bool = False
    sign_space: str = ""
    grouping: tuple[str, str] = (",", ".")
    lakh: bool = False
    decimals: bool = False
    overview: str = "moved"
    negotiation: str = "averages"
    heading_case: str = "title"
    heading_dress: str = "plain"
    order: tuple[int, ...] = tuple(range(10))
    glued: bool = False  #: no line break before the first heading (as in the seeds)
    curly: bool = False  #: a curly apostrophe (which the TIS-620 scrape cannot keep)
    damage: str = "none"
    distractors: tuple[tuple[str, str], ...] = ()
    contradiction: bool = False  #: the negotiation section gives another current average
    checklist_target: bool = True
    checklist_sign: str = ""  #: the checklist writes the currency this other way
    full_checklist: bool = False  #: the seeds' four items, not two
    mixed_lines: tuple[bool, ...] = field(default=())

    @property
    def contradicts(self) -> bool:
        """The page gives two different current averages."""
        return self.contradiction and self.negotiation != "none"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def draw_case(choose: Chooser) -> tuple[Spec, Style]:
    """A role and a way of writing it, drawn by ``choose``."""
    place = choose.choice(PLACES)
    base = choose.randint(20, 400) * 1000 * place.scale + choose.choice((0, 0, 1, 344, 999))
    cents = choose.choice((0, 0, 0, 50, 99))
    current = Decimal(base) + Decimal(cents) / 100
    rise = choose.randint(1, 30) * base // 100 + choose.choice((0, 7, 651))
    projected = current + rise
    spec = Spec(
        role=choose.choice(ROLES),
        place=place,
        current=current,
        projected=projected,
        year=choose.randint(2024, 2027),
        month=choose.randint(1, 12),
        data_points=choose.choice((1, 2, 29, 310, 2454, 3606, 123_456, 1_234_567)),
        area=choose.choice(AREAS),
        top=choose.choice(SKILLS),
        second=choose.choice(SECOND_SKILLS),
        cert=choose.choice(CERTS),
    )
    order = list(range(10))
    if choose.choice((False, True)):
        order = [order[0], *_shuffled(order[1:], choose)]
    if choose.choice((False, False, True)):
        order = _shuffled(order, choose)
    style = Style(
        date_form=choose.choice(DATE_FORMS),
        day=choose.randint(1, 28),
        sample_unit=choose.choice(SAMPLE_UNITS),
        sample_group=choose.choice(SAMPLE_GROUPS),
        sign=choose.choice(place.signs),
        sign_after=choose.choice((False, True)),
        sign_space=choose.choice(("", " ", "\u00a0")),
        grouping=choose.choice(place.groupings),
        lakh=place.india and choose.choice((False, True)),
        decimals=bool(cents) or choose.choice((False, False, True)),
        overview=choose.choice(OVERVIEWS),
        negotiation=choose.choice(NEGOTIATIONS),
        heading_case=choose.choice(HEADING_CASES),
        heading_dress=choose.choice(HEADING_DRESS),
        order=tuple(order),
        glued=order[0] == 0 and choose.choice((False, True)),
        curly=choose.choice((False, True)),
        damage=choose.choice(DAMAGES),
        distractors=tuple(
            (choose.choice(tuple(DISTRACTORS)), choose.choice(DISTRACTOR_PLACES))
            for _ in range(choose.choice((0, 0, 1, 2, 3)))
        ),
        contradiction=choose.choice((False, False, False, True)),
        checklist_target=choose.choice((True, False)),
        checklist_sign=choose.choice(("", *place.signs)),
        full_checklist=choose.choice((False, True)),
        mixed_lines=tuple(choose.choice((False, True)) for _ in range(8)),
    )
    return spec, style


def _shuffled(items: list[int], choose: Chooser) -> list[int]:
    items = list(items)
    for i in range(len(items) - 1, 0, -1):
        j = choose.randint(0, i)
        items[i], items[j] = items[j], items[i]
    return items


def money(value: Decimal, style: Style) -> str:
    """``value`` written the page's way: sign or code before or after, grouped, decimals."""
    group, decimal = style.grouping
    whole = int(value)
    digits = str(whole)
    groups = [digits[-3:]]
    rest = digits[:-3]
    size = 2 if style.lakh else 3
    while rest:
        groups.insert(0, rest[-size:])
        rest = rest[:-size]
    number = group.join(groups)
    if style.decimals:
        number += f"{decimal}{int((value - whole) * 100):02d}"
    space = style.sign_space or (" " if style.sign.isalpha() and not style.sign_after else "")
    if style.sign.isalpha() and style.sign_after:
        space = space or " "
    return f"{number}{space}{style.sign}" if style.sign_after else f"{style.sign}{space}{number}"


def _date(spec: Spec, style: Style) -> str:
    name = MONTHS[spec.month - 1]
    return {
        "long": f"{name} {spec.year}",
        "short": f"{name[:3]} {spec.year}",
        "short-dot": f"{name[:3]}. {spec.year}",
        "iso-month": f"{spec.year}-{spec.month:02d}",
        "iso-day": f"{spec.year}-{spec.month:02d}-{style.day:02d}",
    }[style.date_form]


def _count(value: int, group: str) -> str:
    return f"{value:,}".replace(",", group)


OVERVIEW = {
    "moved": (
        "Analyzing {country}'s technical labor market reveals that {role} compensation has "
        "decoupled from broader trends. {role} salaries have moved from {cur} toward a "
        "projected {proj} — a delta driven by acute skill shortages."
    ),
    "benchmarks": (
        "In {country}'s competitive tech ecosystem, the {role} function has become a strategic "
        "revenue driver, pushing compensation benchmarks from the current {cur} average toward "
        "a projected {proj} by 2027. This trajectory is not simply inflationary."
    ),
    "subject": (
        "The current average salary for a {role} in {country} is {cur}. It is projected to "
        "reach {proj} within two years."
    ),
    "earn": (
        "{role} professionals currently earn {cur} on average; forecasts put the figure at "
        "{proj} next year."
    ),
    "reversed": "Expect {proj} next year for {role} roles, up from an average of {cur} today.",
    "above-national": (
        "The current average for a {role} is {cur}, well above the national average of {low}. "
        "Forecasts expect {proj} by next year."
    ),
}
NEGOTIATION = {
    "averages": (
        "Lead with the market trajectory: current averages at {cur2} and projections at {proj} "
        "provide a factual foundation. Anchor your ask around **{top}** — quantify the impact."
    ),
    "gap": (
        "If you hold deep expertise in **{top}**, make it central. Reference the market data — "
        "the gap between {cur2} and {proj} — and position yourself accordingly."
    ),
    "none": "If you hold deep expertise in **{top}**, make it central to your negotiation.",
}


def _sections(spec: Spec, style: Style) -> list[tuple[str, str]]:
    """The page's sections in the seed order: heading and body."""
    role, country = spec.role, spec.place.country
    low = spec.current / 2
    values = {
        "role": role,
        "country": country,
        "cur": money(spec.current, style),
        "cur2": money(spec.current + (1000 if style.contradiction else 0), style),
        "proj": money(spec.projected, style),
        "low": money(low.to_integral_value(), style),
        "top": spec.top,
    }
    apostrophe = "’" if style.curly else "'"
    placed: dict[str, list[str]] = {where: [] for where in DISTRACTOR_PLACES}
    for index, (kind, where) in enumerate(style.distractors):
        x = money((spec.current * (3 + index) / 7).to_integral_value(), style)
        placed[where].append(DISTRACTORS[kind].format(x=x, country=country, role=role))
    overview = " ".join(
        [
            *placed["overview-before"],
            OVERVIEW[style.overview].format(**values),
            *placed["overview-after"],
        ]
    )
    negotiation = " ".join(
        [*placed["negotiation"], NEGOTIATION[style.negotiation].format(**values)]
    )
    living = " ".join(
        [f"Costs in {country} vary by city; café prices differ.", *placed["cost-of-living"]]
    )
    checklist = [f"- Career Moat: Priority focus on obtaining {spec.cert}."]
    if style.full_checklist:
        checklist.insert(
            0,
            "- Negotiation Leverage: Ask for a 'Systemic Impact Bonus' tied to your ability "
            f"to implement **{spec.top}** effectively.",
        )
        checklist.append("- AI Readiness: Integrate AI-assisted workflows into your practice.")
    target = money(spec.projected, replace(style, sign=style.checklist_sign or style.sign))
    if style.checklist_target:
        checklist.insert(0, f"- Market Positioning: Target the {target} bracket with {spec.top}.")
    return [
        ("Market Overview", overview),
        (
            "Regional Demand Signals",
            f"In {country}'s {spec.area} sector, demand for {role} talent keeps growing.",
        ),
        (
            "Growth Catalyst",
            f"Mastering **{spec.top}** is non-negotiable. It{apostrophe}s the #1 skill.",
        ),
        ("Career Moat", f"Obtaining the **{spec.cert}** is a proven way to signal your expertise."),
        (
            "Skill Premium Analysis",
            f"Professionals with expertise in **{spec.top}** and **{spec.second}** are in the "
            "top quartile of earners.",
        ),
        (f"Required Skills for {role}", ""),
        (
            f"AI Impact on {role} Careers",
            f"AI raises the bar for {role} professionals — and the pay. Résumé screening is "
            "automated; naïve workflows fade.",
        ),
        ("Negotiation Strategy", negotiation),
        (f"Cost of Living Context: {country}", living),
        (f"Strategic Checklist for {role} Professionals", "\n".join(checklist)),
    ]  # fmt: skip


def _heading(name: str, style: Style) -> str:
    if style.heading_case == "upper":
        name = name.upper()
    elif style.heading_case == "lower":
        name = name.lower()
    if style.heading_dress == "markdown":
        return f"## {name}"
    if style.heading_dress == "colon":
        return f"{name}:"
    if style.heading_dress == "icons" and name.casefold() in ("growth catalyst", "career moat"):
        return ("🚀 " if name.casefold() == "growth catalyst" else "🛡️ ") + name
    return name


def write_page(spec: Spec, style: Style) -> str:
    """The page, written and damaged as ``style`` says."""
    sections = _sections(spec, style)
    header = (
        f"Last Updated: {_date(spec, style)} · Based on "
        f"{_count(spec.data_points, style.sample_group)} {style.sample_unit}"
    )
    lines = [f"Market Intelligence: {spec.role} in {spec.place.country}", header]
    for position, index in enumerate(style.order):
        name, body = sections[index]
        heading = _heading(name, style)
        if position == 0 and style.glued and style.heading_dress in ("plain", "icons"):
            lines[-1] += heading
        else:
            lines.append(heading)
        if body:
            lines.append(body)
    return damage("\n".join(lines) + "\n", style.damage, style.mixed_lines)


def damage(text: str, how: str, mixed: Sequence[bool] = ()) -> str:
    """``text`` as a tool that misread its UTF-8 bytes left it."""
    if how == "tis-620":
        return scrape(text)
    if how == "windows-1252":
        return _as_windows_1252(text)
    if how == "latin-1":
        return text.encode("utf-8").decode("latin-1")
    if how == "mixed":
        lines = text.split("\n")
        return "\n".join(
            _as_windows_1252(line) if mixed and mixed[i % len(mixed)] else damage(line, "latin-1")
            for i, line in enumerate(lines)
        )
    return text


def _as_windows_1252(text: str) -> str:
    """UTF-8 read as Windows-1252; bytes it has no character for kept as C1 controls."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


# The seed-like pages: the seeds' facts, structure and damage, in our own words.

SEED_LIKE = {
    "lead-backend-specialist-canada": ("Lead Backend Specialist", 141_344, 152_651, 2454, 0),
    "backend-administrator-canada": ("Backend Administrator", 157_410, 176_299, 3606, 1),
    "machine-learning-lead-canada": ("Machine Learning Lead", 123_557, 131_591, 2, 2),
}
SEED_SKILLS = {
    "lead-backend-specialist-canada": ("React/Next.js", "System Design", "AWS Certified Developer"),
    "backend-administrator-canada": ("React/Next.js", "Node.js", "AWS Certified Developer"),
    "machine-learning-lead-canada": (
        "Python (NumPy/Pandas)",
        "Statistics",
        "AWS Machine Learning Specialty",
    ),
}
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"


def seed_like(slug: str) -> tuple[Spec, Style]:
    """A seed's facts written as the seeds are: TIS-620 damage, glued heading, icons."""
    role, current, projected, points, variant = SEED_LIKE[slug]
    top, second, cert = SEED_SKILLS[slug]
    spec = Spec(
        role=role,
        place=PLACES[0],
        current=Decimal(current),
        projected=Decimal(projected),
        year=2026,
        month=4,
        data_points=points,
        area="Data Science & AI" if slug.startswith("machine") else "Software Engineering",
        top=top,
        second=second,
        cert=cert,
    )
    style = Style(
        overview=("moved", "benchmarks", "moved")[variant],
        negotiation=("averages", "gap", "gap")[variant],
        heading_dress="icons",
        glued=True,
        damage="tis-620",
        full_checklist=True,
    )
    return spec, style


def seed_like_path(slug: str) -> Path:
    return PAGES_DIR / f"seed-like-{slug}.txt"


def main() -> None:
    for slug in SEED_LIKE:
        seed_like_path(slug).write_text(write_page(*seed_like(slug)), encoding="utf-8")
        print(f"wrote {seed_like_path(slug)}")


def sample(seed: int, count: int) -> list[tuple[Spec, Style]]:
    """``count`` cases drawn with a fixed seed (the same on every run)."""
    chooser = random.Random(seed)
    return [draw_case(chooser) for _ in range(count)]


if __name__ == "__main__":
    main()
