"""Pages built as the publisher's CMS builds them: paragraph variants, recombined.

Each section is written from one of a few variants (those of the seed pages) with
the role, country and figures filled in. Every combination, with other roles,
countries, currencies and sample sizes, imports with its own facts.
"""

from __future__ import annotations

import itertools
import json

import pytest

from exporter.ingest.importer import import_page
from tests.scrape import scrape

OVERVIEW = {
    "moved": (
        "Analyzing {country}'s technical labor market reveals that {role} compensation has "
        "decoupled from broader salary stagnation trends. {role} salaries have moved from {cur} "
        "toward a projected {proj} — a delta driven by acute skill shortages."
    ),
    "benchmarks": (
        "In {country}'s competitive tech ecosystem, the {role} function has become a strategic "
        "revenue driver, pushing compensation benchmarks from the current {cur} average toward "
        "a projected {proj} by 2027. This trajectory is not simply inflationary — it reflects a "
        "genuine repricing."
    ),
}
REGIONAL = {
    "ecosystem": (
        "In {country}'s {area} ecosystem, demand for {role} talent is being driven not just by "
        "headcount expansion but by role evolution."
    ),
    "sector": (
        "Regional demand analysis shows that {country}'s {area} sector is in a \"talent "
        'accumulation" phase. For {role} professionals, this translates into a favorable '
        "negotiation environment — employers offer premium packages."
    ),
    "roles-in": (
        "The hiring landscape for {role} professionals in {country} reflects a bifurcated market. "
        "Entry-level positions face increased competition, but mid-senior and principal-level "
        "roles in {area} remain acutely undersupplied."
    ),
}
PREMIUM = {
    "two-skills": (
        "Skill-based compensation analysis for {role} reveals a widening gap. Professionals with "
        "production-level expertise in **{s1}** and **{s2}** are positioned in the top quartile "
        "of earners. Industry certifications like the **{cert}** serve as credible market signals."
    ),
    "three-skills": (
        "For {role} professionals, the data is clear on which skills drive premium compensation. "
        "**{s1}** has emerged as the single most impactful skill, followed by **{s2}** and "
        "**{s3}**. On the credentials front, the **{cert}** has become a baseline expectation, "
        "while the **{cert2}** serves as a differentiation signal."
    ),
}
NEGOTIATION = {
    "averages": (
        "Lead with the market trajectory: current averages at {cur} and projections at {proj} "
        "provide a factual foundation. Anchor your ask around **{s1}** — quantify the impact."
    ),
    "gap": (
        "If you hold deep expertise in **{s1}**, make it central. Reference the market data — "
        "the gap between {cur} and {proj} — and position yourself accordingly."
    ),
}
PLACES = [
    ("United Kingdom", "£", "GBP"),
    ("Germany", "€", "EUR"),
    ("United States", "$", "USD"),
    ("India", "₹", "INR"),
    ("Japan", "¥", "JPY"),
    ("Canada", "$", "CAD"),
    ("Australia", "A$", "AUD"),
]
ROLES = ["Staff Data Scientist", "Specialist in Cloud Security", "QA Lead", "DevOps Engineer"]
AREAS = ["Data Science & AI", "Cyber Security", "Quality Engineering", "Platform Engineering"]
SAMPLES = [1, 7, 999, 123_456, 1_234_567]

PAGE = """Market Intelligence: {role} in {country}
Last Updated: {month} 2026 · Based on {points:,} data pointsMarket Overview
{overview}
Regional Demand Signals
{regional}
🚀 Growth Catalyst
Mastering **{s1}** is non-negotiable.
🛡️ Career Moat
Obtaining the **{cert}** is a proven way to signal your expertise.
Skill Premium Analysis
{premium}
Required Skills for {role}
AI Impact on {role} Careers
AI raises the bar for {role} professionals — and the pay.
Negotiation Strategy
{negotiation}
Cost of Living Context: {country}
Costs in {country} vary by city.
Strategic Checklist for {role} Professionals
- Market Positioning: Target the {proj} bracket by demonstrating expertise in {s1}.
- Career Moat: Priority focus on obtaining {cert}.
"""

COMBINATIONS = list(itertools.product(OVERVIEW, REGIONAL, PREMIUM, NEGOTIATION))


def _case(index: int) -> tuple[str, dict]:
    overview, regional, premium, negotiation = COMBINATIONS[index]
    country, symbol, currency = PLACES[index % len(PLACES)]
    current = 40_000 + 7_919 * index
    projected = current + 1_000 + 313 * index
    values = {
        "role": ROLES[index % len(ROLES)],
        "country": country,
        "area": AREAS[index % len(AREAS)],
        "month": ["January", "June", "December"][index % 3],
        "points": SAMPLES[index % len(SAMPLES)],
        "cur": f"{symbol}{current:,}",
        "proj": f"{symbol}{projected:,}",
        "s1": "Rust",
        "s2": "C++/CUDA",
        "s3": "Node.js",
        "cert": "AWS Certified Solutions Architect",
        "cert2": "CKA",
    }
    text = PAGE.format(
        overview=OVERVIEW[overview].format(**values),
        regional=REGIONAL[regional].format(**values),
        premium=PREMIUM[premium].format(**values),
        negotiation=NEGOTIATION[negotiation].format(**values),
        **values,
    )
    three = premium == "three-skills"
    expected = {
        "role": values["role"],
        "country": country,
        "practice_area": values["area"],
        "updated": f"2026-{[1, 6, 12][index % 3]:02d}",
        "data_points": values["points"],
        "salary": {"currency": currency, "current_average": current, "projected": projected},
        "skills": {"top": "Rust", "premium": ["Rust", "C++/CUDA", *(["Node.js"] if three else [])]},
        "certifications": {
            "key": "AWS Certified Solutions Architect",
            "secondary": ["CKA"] if three else [],
        },
    }
    return text, expected


@pytest.mark.parametrize(
    "index",
    range(len(COMBINATIONS)),
    ids=[
        "-".join(combo) + f"-{PLACES[i % len(PLACES)][2]}" for i, combo in enumerate(COMBINATIONS)
    ],
)
@pytest.mark.parametrize("damaged", [False, True], ids=["clean", "scraped"])
def test_recombined_variants_import_with_their_facts(index, damaged):
    text, expected = _case(index)
    imported = import_page(scrape(text) if damaged else text, f"page-{index}.txt")
    assert imported.warnings == ()
    data = json.loads(imported.json_text)
    assert {key: data[key] for key in expected} == expected
    assert data["sections"]["required_skills"] == ""
    assert "—" in data["sections"]["ai_impact"]
    assert not any("\u0e00" <= char <= "\u0e7f" for char in imported.json_text)
