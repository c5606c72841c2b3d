"""Import the publisher's market-intelligence pages into role data.

A page is plain text: a title line, "Last Updated: <month year> · Based on <n>
data points", then sections under headings found by name. The text is repaired
first (:mod:`exporter.repair`); facts are found by what surrounds them, never by
the exact sentences of a page, and checked against each other where the page
repeats them. Problems a page cannot be imported with raise a
:class:`~exporter.errors.PageError`; doubts come back as warnings.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from exporter.errors import ExporterError, PageError
from exporter.files import UnsafeFile, read_regular_file, write_atomic
from exporter.ingest import money, repair
from exporter.ingest.facts import (
    certifications,
    data_points,
    is_header_line,
    practice_area,
    salaries,
    updated_month,
)
from exporter.model.country import is_country
from exporter.model.markup import bold_terms
from exporter.model.role import MAX_FILE_BYTES, SCHEMA_VERSION, Role
from exporter.model.rolefile import parse_role, role_json

STDIN = "-"


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

_TITLE = re.compile(r"Market Intelligence:\s*(?P<rest>.+)")
_HEADING_RES = tuple(re.compile(h.pattern, re.IGNORECASE) for h in HEADINGS)
#: A heading glued to the end of the line before it ("...data pointsMarket Overview").
_GLUED = tuple(
    re.compile(rf"(?<=[A-Za-z0-9.,;:!?)\]])(?:{h.pattern})$", re.IGNORECASE) for h in HEADINGS
)
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+(?P<body>.+)$")
_LABELLED = re.compile(r"^(?:\*\*)?(?P<label>[^:*]{1,100}?)(?:\*\*)?:(?:\*\*)?\s+(?P<text>.+)$")


@dataclass(frozen=True)
class Imported:
    """One page imported: the validated role, its JSON text, and warnings about the page."""

    source: str
    role: Role
    json_text: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PageOutcome:
    """What became of one page of an import: the file written, or the error."""

    source: str
    path: Path | None
    error: str | None
    warnings: tuple[str, ...]


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


def import_page(text: str, source: str) -> Imported:
    """Turn the text of one page into a validated role."""
    page = _structure(text, source)
    problems, warnings = list(page.problems), list(page.warnings)
    data = _role_data(page, problems, warnings)
    if problems:
        raise PageError(source, problems)
    if not page.thai:
        for name, value in [("title", page.role), *page.texts]:
            for run in repair.damaged_characters(value):
                warnings.append(f"damaged text {run!r} in {name} could not be repaired; kept as is")
    role = parse_role(data, source)
    return Imported(
        source,
        role,
        role_json(role).decode("utf-8"),  # the validated role, canonical: it loads back equal
        tuple(f"{source}: {message}" for message in dict.fromkeys(warnings)),
    )


@dataclass(frozen=True)
class _Page:
    """A page cut into its parts, repaired, before any fact is read from it."""

    role: str
    country: str
    thai: bool
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


def _structure(text: str, source: str) -> _Page:
    """Title, header, sections and checklist of a page; PageError if it has no title."""
    problems: list[str] = []
    warnings: list[str] = []
    thai = repair.is_thai_text(text)
    lines = _split_glued([line.strip() for line in repair.repair_text(text).splitlines()])
    title_at = next((i for i, line in enumerate(lines) if line), 0)
    title = _TITLE.fullmatch(lines[title_at]) if lines else None
    if title is None:
        raise PageError(
            source,
            ["not a market-intelligence page: no title 'Market Intelligence: <role> in <country>'"],
        )
    role, country = _role_and_country(title["rest"])
    if is_country(country):
        # Again, knowing the country: its currency signs and grouping decide between
        # characters whose remaining bytes fit equally.
        repaired = repair.repair_text(text, money.signs(country), money.group_separators(country))
        lines = _split_glued([line.strip() for line in repaired.splitlines()])
    if not country:
        problems.append("no country in the title ('Market Intelligence: <role> in <country>')")
    elif not is_country(country):
        problems.append(f"unknown country {country!r} in the title (use its English name)")
    found = _find_headings(lines, title_at + 1, thai, problems)
    for heading in HEADINGS:
        if heading.key not in found and heading.required:
            problems.append(f"no '{heading.name}' section")
        elif heading.key in found and heading.names:
            who = found[heading.key][1]
            expected = role if heading.names == "role" else country
            if who and who.casefold() != expected.casefold():
                warnings.append(f"heading '{heading.name}' names {who!r}, the title {expected!r}")
    first = min((at for at, _ in found.values()), default=len(lines))
    header_lines = [line for line in lines[title_at + 1 : first] if line]
    for line in header_lines:
        if not is_header_line(line):
            warnings.append(f"text before the first section ignored: {line[:60]!r}")
    bodies = _bodies(lines, found)
    return _Page(
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


def _role_data(page: _Page, problems: list[str], warnings: list[str]) -> dict[str, Any]:
    """The role file's data, keys in schema order; what is missing goes to ``problems``."""
    updated = updated_month(page.header, problems)
    when = date(int(updated[:4]), int(updated[5:]), 1) if updated else None
    top = bold_terms(page.sections["growth_catalyst"])
    key = bold_terms(page.sections["career_moat"])
    if not top:
        problems.append("no top skill: Growth Catalyst has no term in **bold**")
    if not key:
        problems.append("no key certification: Career Moat has no term in **bold**")
    skills, certs = certifications(page.sections["skill_premium"], top[:1], key[:1])
    return {
        "schema_version": SCHEMA_VERSION,
        "role": page.role,
        "country": page.country,
        "practice_area": practice_area(page.sections["regional_demand"], page.role, page.country),
        "updated": updated,
        "data_points": data_points(page.header, problems),
        "salary": salaries(page.texts, page.country, when, problems, warnings),
        "skills": {"top": top[0] if top else "", "premium": skills},
        "certifications": {"key": key[0] if key else "", "secondary": certs},
        "sections": dict(page.sections),
        "checklist": [dict(item) for item in page.checklist],
    }


#: In the roles folder: the SHA-256 of every role file import wrote there, by file name.
#: (No ``.json`` suffix, so it is never read as a role file.)
LEDGER_NAME = ".exporter-imported"


def _ledger(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / LEDGER_NAME).read_bytes())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _may_write(path: Path, data: bytes, ledger: dict[str, str], force: bool) -> bool:
    """Whether import may write ``data`` to ``path``; False if the file already holds it.

    An existing file is overwritten only if import wrote it and nobody changed it
    since (its SHA-256 is the one in the folder's ledger, :data:`LEDGER_NAME`), or
    with ``force``. A file someone edited by hand, or that came from elsewhere, is
    refused with an error naming it.
    """
    try:
        current = read_regular_file(path, MAX_FILE_BYTES, follow_symlinks=False)
    except UnsafeFile:
        if not path.exists() and not path.is_symlink():
            return True
        if force:
            return True
        raise ExporterError(f"{path}: exists and is not a regular file; not overwritten") from None
    if current == data:
        return False
    if force or ledger.get(path.name) == hashlib.sha256(current).hexdigest():
        return True
    raise ExporterError(
        f"{path}: exists and was not written by import (edited by hand?); "
        "not overwritten (use --force to replace it)"
    )


def import_pages(
    pages: Iterable[str], out_dir: Path, stdin: BinaryIO | None = None, force: bool = False
) -> Iterator[PageOutcome]:
    """Import each page into ``out_dir/<slug>.json``; a bad page is reported, the rest go on.

    An existing role file is replaced only if import wrote it and it is unchanged
    since, or with ``force`` (see :func:`_may_write`).
    """
    written: dict[str, str] = {}
    ledger = _ledger(out_dir)
    for page in pages:
        source = "<stdin>" if page == STDIN else page
        target = out_dir
        try:
            source, text = read_page(page, stdin)
            result = import_page(text, source)
            slug = result.role.slug
            if slug in written:
                raise PageError(source, [f"same role and country as {written[slug]} ({slug})"])
            path = out_dir / f"{slug}.json"
            data = result.json_text.encode("utf-8")
            target = path
            if _may_write(path, data, ledger, force):
                write_atomic(path, data)
            ledger[path.name] = hashlib.sha256(data).hexdigest()
            target = out_dir / LEDGER_NAME
            write_atomic(
                out_dir / LEDGER_NAME,
                (json.dumps(ledger, indent=1, sort_keys=True) + "\n").encode("utf-8"),
            )
        except ExporterError as exc:
            yield PageOutcome(source, None, str(exc), ())
            continue
        except OSError as exc:
            yield PageOutcome(source, None, f"{source}: cannot write {target}: {exc.strerror}", ())
            continue
        written[slug] = source
        yield PageOutcome(source, path, None, result.warnings)


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
    name = name.lstrip("# ").rstrip(": ")
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
