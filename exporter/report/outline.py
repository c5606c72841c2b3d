"""The format-neutral report outline that both writers lay out.

:func:`build_report` is a pure function from a role (and the brand) to a
:class:`Report`: sections holding blocks of inline runs, key figures, callouts,
lists, tables and chart data. Every formatting decision (money, percentages,
order, what an empty section shows) is made here, once, so the PDF and the DOCX
carry the same content in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, get_args

from exporter.model.brand import Brand
from exporter.model.markup import split_bold
from exporter.model.role import SMALL_SAMPLE_THRESHOLD, Role
from exporter.model.rolefile import role_json
from exporter.report import formatting as fmt


@dataclass(frozen=True)
class Run:
    """A stretch of text, bold or not; ``href`` makes it a link (http, https or mailto only)."""

    text: str
    bold: bool = False
    href: str = ""


Runs = tuple[Run, ...]


@dataclass(frozen=True)
class Paragraph:
    runs: Runs


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class KeyFigures:
    figures: tuple[KeyFigure, ...]


#: How a callout reads: a highlight, or a warning about the figures.
Tone = Literal["highlight", "warning"]


@dataclass(frozen=True)
class Callout:
    """A boxed paragraph."""

    runs: Runs
    tone: Tone = "highlight"
    title: str = ""


@dataclass(frozen=True)
class ListItem:
    runs: Runs
    label: str = ""


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Column widths in percent of the table (fixed table layout); empty: equal columns.
    widths: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    display: str


@dataclass(frozen=True)
class Chart:
    """A bar chart; ``alt`` describes it in words for readers who cannot see it."""

    title: str
    bars: tuple[Bar, ...]
    alt: str
    #: which bars take the accent colour: the last (a projection after current figures)
    #: or all (every bar is a projection)
    accent: Literal["last", "all"] = "last"


Block = Paragraph | KeyFigures | Callout | BulletList | Table | Chart

#: Every block type; each writer has exactly one layout for each (see :func:`require_layouts`).
BLOCK_TYPES: tuple[type, ...] = get_args(Block)


def require_layouts(writer: str, layouts: Mapping[type, object]) -> None:
    """Fail at import when a writer lacks a layout for some block type (or has a stray one).

    Both writers dispatch blocks through a table keyed by block type and call this
    when their module loads, so a new block type that one writer forgets stops
    the program at once, never in the middle of a render.
    """
    missing = [kind.__name__ for kind in BLOCK_TYPES if kind not in layouts]
    stray = [kind.__name__ for kind in layouts if kind not in BLOCK_TYPES]
    if missing or stray:
        problems = [f"no layout for {', '.join(missing)}"] if missing else []
        problems += [f"a layout for {', '.join(stray)}, which is no block type"] if stray else []
        raise TypeError(f"the {writer} writer has " + " and ".join(problems))


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Metadata:
    """Document properties both formats carry."""

    title: str
    subject: str
    author: str
    keywords: tuple[str, ...]
    language: str
    date: str  # ISO date of the data, used for created/modified
    properties: tuple[tuple[str, str], ...] = ()  # custom document properties, in order


@dataclass(frozen=True)
class Report:
    title: str
    kicker: str  # small line above the title
    facts: tuple[str, ...]  # "Canada", "Updated April 2026", "Based on 2,454 data points"
    metadata: Metadata
    sections: tuple[Section, ...] = field(default_factory=tuple)
    #: the data the report was made from (file name, bytes): a PDF embeds it when allowed
    source: tuple[str, bytes] | None = None
    #: links to other files stay relative to the document's own folder (the overview's)
    relative_links: bool = False

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(section.title for section in self.sections)


def inline(text: str) -> Runs:
    """Split ``**bold**`` markup into runs; unmatched ``**`` stays literal."""
    return tuple(Run(piece, bold=bold) for piece, bold in split_bold(text))


def plain(runs: Runs) -> str:
    """The text of runs without markup."""
    return "".join(run.text for run in runs)


def _paragraphs(text: str) -> tuple[Paragraph, ...]:
    return tuple(
        Paragraph(inline(part.strip())) for part in re.split(r"\n\s*\n", text) if part.strip()
    )


@dataclass(frozen=True)
class Figures:
    """A role's key figures as every output shows them (reports, listings, index pages)."""

    current: str  # "$141,344"
    projected: str
    change: str  # "+$11,307"
    change_percent: str  # "+8.0%"
    data_points: str  # "2,454"
    updated: str  # "April 2026"
    small_sample: bool


def figures(role: Role) -> Figures:
    """The role's figures, formatted for a reader in its country."""
    c, cur = role.country, role.salary.currency
    return Figures(
        current=fmt.money(role.salary.current_average, cur, c),
        projected=fmt.money(role.salary.projected, cur, c),
        change=fmt.signed_money(role.change, cur, c),
        change_percent=fmt.percent(role.change_ratio, c),
        data_points=fmt.integer(role.data_points, c),
        updated=fmt.month(role.updated_date, c),
        small_sample=role.small_sample,
    )


def build_report(role: Role, brand: Brand) -> Report:
    """Lay a role out as a report outline: the one source of both formats."""
    shown = figures(role)
    title = f"{role.role} in {role.country}"
    return Report(
        title=title,
        kicker="Market Intelligence",
        facts=(
            role.country if not role.practice_area else f"{role.country} · {role.practice_area}",
            f"Updated {shown.updated}",
            f"Based on {shown.data_points} data points",
        ),
        metadata=_metadata(role, shown, title, brand),
        sections=_sections(role, shown, brand),
        source=(f"{role.slug}.json", role_json(role)),
    )


def _market_overview(role: Role, shown: Figures) -> tuple[Block, ...]:
    """Key figures, the small-sample warning where it applies, the text and the chart."""
    cur = role.salary.currency
    current, projected, change = shown.current, shown.projected, shown.change
    key_figures = KeyFigures(
        (
            KeyFigure("Current average", current, f"{cur}, {shown.updated}"),
            KeyFigure("Projected", projected, cur),
            KeyFigure("Change", change, shown.change_percent),
        )
    )
    chart = Chart(
        title=f"Average salary, {cur}",
        bars=(
            Bar("Current average", role.salary.current_average, current),
            Bar("Projected", role.salary.projected, projected),
        ),
        alt=(
            f"Bar chart of {role.role} salaries in {role.country}: current average {current}, "
            f"projected {projected}, a change of {change} ({shown.change_percent})."
        ),
    )
    overview: list[Block] = [key_figures]
    if role.small_sample:
        overview.append(_small_sample_warning(shown.data_points))
    return (*overview, *_paragraphs(role.sections.market_overview), chart)


def _sections(role: Role, shown: Figures, brand: Brand) -> tuple[Section, ...]:
    """The report's sections, in the page's order, then the methodology."""
    text, c = role.sections, role.country
    return (
        Section("market-overview", "Market Overview", _market_overview(role, shown)),
        Section("regional-demand", "Regional Demand Signals", _paragraphs(text.regional_demand)),
        Section(
            "growth-catalyst",
            "Growth Catalyst",
            (Callout(inline(text.growth_catalyst), title=f"Top skill: {role.skills.top}"),),
        ),
        Section(
            "career-moat",
            "Career Moat",
            (
                Callout(
                    inline(text.career_moat), title=f"Key certification: {role.certifications.key}"
                ),
            ),
        ),
        Section("skill-premium", "Skill Premium Analysis", _paragraphs(text.skill_premium)),
        Section(
            "required-skills",
            f"Required Skills for {role.role}",
            (*_paragraphs(text.required_skills), _skills_table(role)),
        ),
        Section("ai-impact", f"AI Impact on {role.role} Careers", _paragraphs(text.ai_impact)),
        Section("negotiation", "Negotiation Strategy", _paragraphs(text.negotiation)),
        Section("cost-of-living", f"Cost of Living Context: {c}", _paragraphs(text.cost_of_living)),
        Section(
            "checklist",
            f"Strategic Checklist for {role.role} Professionals",
            (BulletList(tuple(ListItem(inline(i.text), i.label) for i in role.checklist)),)
            if role.checklist
            else (Paragraph((Run("No checklist items for this role."),)),),
        ),
        Section(
            "methodology",
            "Methodology",
            _methodology(role, shown.data_points, shown.updated, brand),
        ),
    )


def _metadata(role: Role, shown: Figures, title: str, brand: Brand) -> Metadata:
    """The document properties both formats carry."""
    c, cur = role.country, role.salary.currency
    return Metadata(
        title=_clip(f"Market Intelligence: {title}"),
        subject=_clip(
            f"Salary outlook for {role.role} in {c}: {shown.current} now, "
            f"{shown.projected} projected"
        ),
        author=_clip(brand.publisher),
        keywords=_keywords((role.role, c, role.practice_area, "salary", *role.premium_skills)),
        language=fmt.language_tag(c),
        date=role.updated_date.isoformat(),
        properties=(
            ("Role", role.role),
            ("Country", c),
            ("PracticeArea", role.practice_area or ""),
            ("DataDate", role.updated),
            ("DataPoints", str(role.data_points)),
            ("Currency", cur),
            ("CurrentAverage", str(role.salary.current_average)),
            ("Projected", str(role.salary.projected)),
        ),
    )


#: Longest document property (title, subject, author, keywords joined): Word's limit.
MAX_PROPERTY_LENGTH = 255


def _clip(text: str, limit: int = MAX_PROPERTY_LENGTH) -> str:
    """A document property within the limit, shortened with an ellipsis when needed."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _keywords(candidates: tuple[str | None, ...]) -> tuple[str, ...]:
    """Distinct keywords, as many as fit in one property once joined with ``, ``."""
    kept: list[str] = []
    for keyword in dict.fromkeys(k for k in candidates if k):
        if len(", ".join((*kept, keyword))) > MAX_PROPERTY_LENGTH:
            break
        kept.append(keyword)
    return tuple(kept)


def _small_sample_warning(points: str) -> Callout:
    return Callout(
        (
            Run("Small sample: ", bold=True),
            Run(
                f"these figures rest on only {points} data points. Treat them as indicative, "
                "not as a market rate."
            ),
        ),
        tone="warning",
    )


def _skills_table(role: Role) -> Table:
    rows: list[tuple[str, ...]] = []
    for skill in role.premium_skills:
        rows.append(
            (
                skill,
                "Skill",
                "Top skill (Growth Catalyst)" if skill == role.skills.top else "Premium skill",
            )
        )
    for cert in role.certification_list:
        rows.append(
            (
                cert,
                "Certification",
                "Key certification (Career Moat)"
                if cert == role.certifications.key
                else "Differentiator",
            )
        )
    return Table(
        caption=f"Skills and credentials that carry a premium for {role.role}",
        header=("Skill or credential", "Type", "Why it matters"),
        rows=tuple(rows),
        widths=(44, 17, 39),
    )


def _methodology(role: Role, points: str, updated: str, brand: Brand) -> tuple[Block, ...]:
    blocks: list[Block] = [
        Paragraph(
            (
                Run(
                    f"Figures are national aggregates for {role.country} from {points} salary "
                    f"data points collected up to {updated}. The projection extends the current "
                    "trend and is not a guarantee of future pay. Amounts are in "
                    f"{role.salary.currency}."
                ),
            )
        )
    ]
    if role.small_sample:
        blocks.append(
            Callout(
                (
                    Run("Small sample. ", bold=True),
                    Run(
                        f"With fewer than {SMALL_SAMPLE_THRESHOLD} data points, a single salary "
                        "can move the average a long way; this report is indicative only."
                    ),
                ),
                tone="warning",
            )
        )
    if brand.website:
        blocks.append(
            Paragraph(
                (Run("Current figures and other roles: "), Run(brand.website, href=brand.website))
            )
        )
    if brand.disclaimer:
        blocks.append(Paragraph((Run(brand.disclaimer),)))
    return tuple(blocks)
