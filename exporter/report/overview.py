"""The all-roles overview: one outline for every role, laid out by both writers.

:func:`build_overview` turns many roles into one :class:`~exporter.report.outline.Report`
of the same block types a role's report uses, so the PDF and DOCX writers lay it out
once, with right page numbers, contents and bookmarks:

- "All roles": a table per country of every role (role, country, current average,
  projected, change in money and percent, data points, small-sample mark), ordered by
  projected salary (highest first), then name; figures come from
  :func:`~exporter.report.outline.figures`, so each country's money is in its own format.
- "Projected salary by role": one bar chart per country and currency, ranking its
  roles by projected salary, every role named in full, all bars in the colour the role
  reports give a projection; a country with more than ``2 * top`` roles shows its top
  and bottom ``top`` only. Amounts are never added or compared across currencies.
- "Role reports": for each role, relative links to its own ``<slug>.pdf`` and
  ``<slug>.docx``, as ``exporter batch`` names them in the same folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from exporter.model.brand import Brand
from exporter.model.role import Role
from exporter.report.outline import (
    Bar,
    BulletList,
    Chart,
    ListItem,
    Metadata,
    Paragraph,
    Report,
    Run,
    Section,
    Table,
    figures,
)

#: Roles shown at each end of a country's ranking when it has more than twice as many.
TOP = 5
TABLE_HEADER = (
    "Role",
    "Country",
    "Current average",
    "Projected",
    "Change",
    "Change %",
    "Data points",
    "Sample",
)
TABLE_WIDTHS = (21, 11, 12, 12, 13, 10, 11, 10)


def _order(role: Role) -> tuple[str, str, object, str]:
    return (role.country, role.salary.currency, -role.salary.projected, role.role)


def build_overview(roles: Sequence[Role], brand: Brand, top: int = TOP) -> Report:
    """One outline for all ``roles`` (at least one)."""
    ordered = sorted(roles, key=_order)
    countries = list(dict.fromkeys(role.country for role in ordered))
    latest = max(ordered, key=lambda role: role.updated_date)
    shown = figures(latest)
    tables = _tables(ordered)
    small = sum(role.small_sample for role in ordered)
    intro = Paragraph(
        (
            Run(
                f"{len(ordered):,} roles in {len(countries):,} "
                f"{'country' if len(countries) == 1 else 'countries'}. "
                "Amounts are in each country's currency and are never added across currencies. "
            ),
            Run(_small_sentence(small), bold=True)
            if small
            else Run("Every role rests on enough data points."),
        )
    )
    charts = tuple(
        _country_chart(list(group), top)
        for _, group in groupby(ordered, key=lambda r: (r.country, r.salary.currency))
    )
    links = BulletList(
        tuple(
            ListItem(
                (
                    Run("PDF", href=f"{role.slug}.pdf"),
                    Run(" · "),
                    Run("DOCX", href=f"{role.slug}.docx"),
                ),
                label=f"{role.role}, {role.country}",
            )
            for role in ordered
        )
    )
    title = "Salary overview"
    return Report(
        relative_links=True,
        title=title,
        kicker=brand.name,
        facts=(
            f"{len(ordered):,} roles",
            ", ".join(countries[:5])
            + (f" and {len(countries) - 5:,} more" if len(countries) > 5 else ""),
            f"Updated {shown.updated}",
        ),
        metadata=Metadata(
            title=f"{brand.name}: {title}",
            subject=f"Salary overview of {len(ordered):,} roles",
            author=brand.publisher[:255],
            keywords=("salary", "overview", *countries[:10]),
            language="en",
            date=latest.updated_date.isoformat(),
            properties=(("Roles", str(len(ordered))), ("Countries", str(len(countries)))),
        ),
        sections=(
            Section("all-roles", "All roles", (intro, *tables)),
            Section("by-country", "Projected salary by role", charts),
            Section(
                "role-reports",
                "Role reports",
                (
                    Paragraph((Run("Each role's own report, in the same folder as this one."),)),
                    links,
                ),
            ),
        ),
    )


def _row(role: Role) -> tuple[str, ...]:
    f = figures(role)
    return (
        role.role,
        role.country,
        f.current,
        f.projected,
        f.change,
        f.change_percent,
        f.data_points,
        "small" if f.small_sample else "",
    )


def _tables(ordered: list[Role]) -> list[Table]:
    """One table per country and currency (the table's header repeats on every page)."""
    tables = []
    for (country, _), group in groupby(ordered, key=lambda r: (r.country, r.salary.currency)):
        rows = tuple(_row(role) for role in group)
        tables.append(
            Table(
                caption=f"{country}: {len(rows):,} roles by projected salary",
                header=TABLE_HEADER,
                rows=rows,
                widths=TABLE_WIDTHS,
            )
        )
    return tables


def _country_chart(roles: list[Role], top: int) -> Chart:
    """A ranking of one country's roles by projected salary (its ends only, if long)."""
    country, currency = roles[0].country, roles[0].salary.currency
    picked = roles if len(roles) <= 2 * top else roles[:top] + roles[-top:]
    bars = tuple(Bar(role.role, role.salary.projected, figures(role).projected) for role in picked)
    which = (
        f"all {len(roles):,} roles"
        if len(picked) == len(roles)
        else f"the top {top} and bottom {top} of {len(roles):,} roles"
    )
    alt = f"Bar chart of projected salaries in {country}, {which}: " + "; ".join(
        f"{role.role} {bar.display}" for role, bar in zip(picked, bars, strict=True)
    )
    title = f"Projected salary of each role, {currency}, {country}"
    return Chart(title=title, bars=bars, alt=alt[:1000], accent="all")


def _small_sentence(small: int) -> str:
    """The sentence about roles with few data points, in the right number."""
    if small == 1:
        return "1 role rests on few data points and is marked small."
    return f"{small:,} roles rest on few data points and are marked small."
