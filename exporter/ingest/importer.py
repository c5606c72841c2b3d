"""Import the publisher's market-intelligence pages into role data.

The rule: **every fact is read from a sentence that names it, or the page is
refused by name.** A fact (the current average salary, the projection, the
month, the sample size, the top skill, ...) is taken only from a sentence whose
words say what it is; :class:`Imported` keeps that sentence for each fact
(``exporter import --explain``). A page is refused, with a
:class:`~exporter.errors.PageError` naming the field, when a fact is missing,
when the wording does not settle which figure is the role's, when the page
gives two different values for one fact (unless the caller accepts the Market
Overview's value, which the role file then records in ``import_decisions``),
and when text is left damaged after repair. Nothing is imported garbled or
guessed; doubts that do not touch a fact come back as warnings.

A page is plain text: a title line, "Last Updated: <month year> · Based on <n>
data points", then sections under headings found by name
(:mod:`exporter.ingest.page`). Its text is repaired first: UTF-8 read as Thai
(:mod:`exporter.ingest.repair`), or as Windows-1252 or Latin-1
(:mod:`exporter.ingest.damage`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from exporter.errors import ExporterError, PageError
from exporter.files import UnsafeFile, read_regular_file
from exporter.ingest import damage, ledger
from exporter.ingest.evidence import Evidence, sentence_with
from exporter.ingest.facts import (
    certifications,
    data_points,
    header_line,
    practice_area,
    updated_month,
)
from exporter.ingest.page import FIELDS, Page, structure
from exporter.ingest.salary import salaries
from exporter.model.markup import bold_terms
from exporter.model.role import MAX_FILE_BYTES, SCHEMA_VERSION, Role
from exporter.model.rolefile import parse_role, role_json

STDIN = "-"
LEDGER_NAME = ledger.LEDGER_NAME


@dataclass(frozen=True)
class Imported:
    """One page imported: the role, its JSON text, where each fact was read, and warnings."""

    source: str
    role: Role
    json_text: str
    warnings: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class PageOutcome:
    """What became of one page of an import: the file written, or the error."""

    source: str
    path: Path | None
    error: str | None
    warnings: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


def read_page(page: str, stdin: BinaryIO | None = None) -> tuple[str, str]:
    """The name and text of a page file (a regular file only), or of standard input for ``-``."""
    source = "<stdin>" if page == STDIN else page
    try:
        if page == STDIN and stdin:
            raw = stdin.read(MAX_FILE_BYTES + 1)
        else:
            raw = read_regular_file(Path(page), MAX_FILE_BYTES + 1)
    except (OSError, UnsafeFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise PageError(source, [f"cannot read page: {reason}"]) from None
    return source, decode_page(raw, source)


def decode_page(raw: bytes, source: str) -> str:
    """The text of a page's bytes: UTF-8 (with or without BOM), within the size limit."""
    if len(raw) > MAX_FILE_BYTES:
        raise PageError(source, [f"page is larger than {MAX_FILE_BYTES} bytes"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageError(source, [f"not UTF-8 text (byte {exc.start} is invalid)"]) from None


def import_page(text: str, source: str, accept_overview: bool = False) -> Imported:
    """Turn the text of one page into a validated role, or refuse it with a PageError.

    ``accept_overview``: where the page gives two values for one salary, keep the
    Market Overview's and record the decision in the role file, instead of refusing.
    """
    page = structure(text, source)
    problems, warnings = list(page.problems), list(page.warnings)
    problems += _damage(page)
    data, evidence = _role_data(page, problems, accept_overview)
    if problems:
        raise PageError(source, problems)
    role = parse_role(data, source)
    return Imported(
        source,
        role,
        role_json(role).decode("utf-8"),  # the validated role, canonical: it loads back equal
        tuple(f"{source}: {message}" for message in dict.fromkeys(warnings)),
        evidence,
    )


def _damage(page: Page) -> list[str]:
    """A problem for each field whose text is still damaged after repair, quoting it."""
    thai_allowed = page.thai and page.country == "Thailand"
    named = [("title", page.title), ("updated, data_points", page.header)]
    named += [(FIELDS[name], text) for name, text in page.texts]
    named += [("checklist", item["label"]) for item in page.checklist]
    problems = []
    for field, value in named:
        excerpt = damage.damage_in(value, thai_allowed)
        if excerpt is not None:
            problems.append(f"{field}: damaged text that could not be repaired: {excerpt!r}")
    return list(dict.fromkeys(problems))


def _role_data(
    page: Page, problems: list[str], accept_overview: bool
) -> tuple[dict[str, Any], tuple[Evidence, ...]]:
    """The role file's data, keys in schema order, and the sentence of each fact."""
    updated = updated_month(page.header, problems)
    when = date(int(updated[:4]), int(updated[5:]), 1) if updated else None
    sections = page.sections
    top = bold_terms(sections["growth_catalyst"])
    key = bold_terms(sections["career_moat"])
    if not top:
        problems.append("no top skill: Growth Catalyst has no term in **bold**")
    if not key:
        problems.append("no key certification: Career Moat has no term in **bold**")
    skills, certs = certifications(sections["skill_premium"], top[:1], key[:1])
    area = practice_area(sections["regional_demand"], page.role, page.country)
    points = data_points(page.header, problems)
    pay = salaries(page.texts, page.role, page.country, when, problems, accept_overview)
    data = {
        "schema_version": SCHEMA_VERSION,
        "role": page.role,
        "country": page.country,
        "practice_area": area,
        "updated": updated,
        "data_points": points,
        "salary": pay.data,
        "skills": {"top": top[0] if top else "", "premium": skills},
        "certifications": {"key": key[0] if key else "", "secondary": certs},
        "sections": dict(sections),
        "checklist": [dict(item) for item in page.checklist],
    }
    if pay.decisions:
        data["import_decisions"] = list(pay.decisions)
    evidence = [
        Evidence("role", page.role, "title", page.title),
        Evidence("country", page.country, "title", page.title),
        Evidence("updated", updated, "header", header_line(page.header, "updated")),
        Evidence("data_points", str(points), "header", header_line(page.header, "points")),
        *pay.evidence,
        *_term_evidence(page, data),
    ]
    return data, tuple(evidence)


def _term_evidence(page: Page, data: dict[str, Any]) -> Iterator[Evidence]:
    """The sentence each named term (skill, certification, practice area) stands in."""
    terms = [
        ("practice_area", data["practice_area"], "regional_demand", "Regional Demand Signals"),
        ("skills.top", data["skills"]["top"], "growth_catalyst", "Growth Catalyst"),
        ("certifications.key", data["certifications"]["key"], "career_moat", "Career Moat"),
    ]
    terms += [
        (f"skills.premium[{i}]", term, "skill_premium", "Skill Premium Analysis")
        for i, term in enumerate(data["skills"]["premium"])
    ]
    terms += [
        (f"certifications.secondary[{i}]", term, "skill_premium", "Skill Premium Analysis")
        for i, term in enumerate(data["certifications"]["secondary"])
    ]
    for fact, term, key, name in terms:
        if term:
            sentence = sentence_with(page.sections[key], term)
            if sentence is not None:
                yield Evidence(fact, term, name, sentence)


def import_pages(
    pages: Iterable[str],
    out_dir: Path,
    stdin: BinaryIO | None = None,
    force: bool = False,
    accept_overview: bool = False,
) -> Iterator[PageOutcome]:
    """Import each page into ``out_dir/<slug>.json``; a bad page is reported, the rest go on.

    An existing role file is replaced only if import wrote it and it is unchanged
    since, or with ``force`` (see :func:`exporter.ingest.ledger.may_write`).
    """
    written: dict[str, str] = {}
    book = ledger.Ledger.read(out_dir)
    for page in pages:
        source = "<stdin>" if page == STDIN else page
        try:
            source, text = read_page(page, stdin)
            result = import_page(text, source, accept_overview)
            slug = result.role.slug
            if slug in written:
                raise PageError(source, [f"same role and country as {written[slug]} ({slug})"])
            path = book.write(f"{slug}.json", result.json_text.encode("utf-8"), source, force)
        except ExporterError as exc:
            yield PageOutcome(source, None, str(exc), ())
            continue
        written[slug] = source
        yield PageOutcome(source, path, None, result.warnings, result.evidence)
