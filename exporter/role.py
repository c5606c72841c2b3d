"""The role schema: one job role in one country, validated once at the boundary.

A role file is a JSON object (see ``fixtures/roles/`` and the README). Loading it
returns a frozen :class:`Role`; every problem in a file is reported at once as a
:class:`~exporter.errors.RoleError` naming the file and each field.

Role data is untrusted. Before the schema sees it, the file is read within
limits (:mod:`exporter.jsonfile`: size, file type, encoding, nesting depth,
duplicate keys) and every string passes the character policy
(:mod:`exporter.text_policy`), whose repairs come back as :class:`RoleWarning`
values in a :class:`RoleLoad` (:func:`load_role_checked`), never as Python warnings.

Derived values (salary change, percentage, small-sample flag, slug) are
properties, never stored in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from exporter.errors import FieldProblem, RoleError
from exporter.jsonfile import parse_json, read_file
from exporter.names import slugify
from exporter.text_policy import clean_text, printable

__all__ = [
    "Role",
    "RoleLoad",
    "RoleWarning",
    "decode_role",
    "load_role",
    "load_role_checked",
    "parse_role",
    "parse_role_checked",
    "slugify",
]

SCHEMA_VERSION = 1

#: Below this many data points a report flags its figures as a small sample.
SMALL_SAMPLE_THRESHOLD = 30

#: Salaries are whole units of the currency: below one, or above this, is a data error.
MIN_SALARY = 1
MAX_SALARY = 100_000_000

#: A projection more than this many times above (or below) the current average is a data
#: error (cents given as units, a digit too many), not a forecast.
MAX_PROJECTION_FACTOR = 10

#: Largest role file read, in bytes.
MAX_FILE_BYTES = 1_000_000

#: Deepest JSON nesting accepted; a role needs three levels (checklist, item, text).
MAX_DEPTH = 8

#: Longest list accepted anywhere in a role file (each list field has its own limit too).
MAX_LIST_ITEMS = 50

#: Most problems (and most warnings) listed for one file; the rest are counted.
MAX_PROBLEMS = 25


def _character_policy(multiline: bool) -> BeforeValidator:
    """The character policy as a schema step, so a Role built any way holds clean text.

    :func:`parse_role_checked` applies the policy first (to report warnings with the
    field's full path); for data validated directly, removals happen silently and
    rejections are validation errors.
    """

    def apply(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the type check that follows says what is wrong
        result = clean_text(value, multiline=multiline)
        if result.errors:
            raise ValueError("; ".join(result.errors))
        return result.text

    return BeforeValidator(apply)


OneLine = _character_policy(multiline=False)
Multiline = _character_policy(multiline=True)

Text = Annotated[str, Field(min_length=1, max_length=200), OneLine]
Prose = Annotated[str, Field(max_length=20_000), Multiline]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Salary(_Frozen):
    """Current average and projected salary, in whole units of ``currency``."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CAD")]
    current_average: Annotated[Decimal, Field(ge=MIN_SALARY, le=MAX_SALARY, allow_inf_nan=False)]
    projected: Annotated[Decimal, Field(ge=MIN_SALARY, le=MAX_SALARY, allow_inf_nan=False)]

    @field_validator("current_average", "projected", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        # JSON gives numbers as int/float; "141,344" or true is a data error, not a coercion.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        return value

    @field_validator("projected")
    @classmethod
    def _plausible_projection(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        current = info.data.get("current_average")
        if current is not None:
            low, high = sorted((current, value))
            if high > low * MAX_PROJECTION_FACTOR:
                raise ValueError(
                    f"must be within {MAX_PROJECTION_FACTOR} times the current average ({current})"
                )
        return value


class Skills(_Frozen):
    """The top skill (Growth Catalyst) and the skills with a premium, in order."""

    top: Text
    premium: Annotated[tuple[Text, ...], Field(max_length=50)] = ()


class Certifications(_Frozen):
    """The key certification (Career Moat) and secondary ones, in order."""

    key: Text
    secondary: Annotated[tuple[Text, ...], Field(max_length=50)] = ()


class Sections(_Frozen):
    """The narrative text of each page section; ``**bold**`` marks bold terms."""

    market_overview: Prose
    regional_demand: Prose
    growth_catalyst: Prose
    career_moat: Prose
    skill_premium: Prose
    required_skills: Prose = ""
    ai_impact: Prose
    negotiation: Prose
    cost_of_living: Prose


class ChecklistItem(_Frozen):
    """One labelled bullet of the strategic checklist."""

    label: Text
    text: Annotated[str, Field(min_length=1, max_length=2_000), Multiline]


class Role(_Frozen):
    """One job role in one country, as the publisher's page describes it."""

    schema_version: StrictInt = SCHEMA_VERSION
    role: Text
    country: Text
    practice_area: Annotated[str, Field(max_length=200), OneLine] | None = None
    updated: Annotated[
        str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month of the data, YYYY-MM")
    ]
    data_points: Annotated[StrictInt, Field(ge=1, le=1_000_000_000)]
    salary: Salary
    skills: Skills
    certifications: Certifications
    sections: Sections
    checklist: Annotated[tuple[ChecklistItem, ...], Field(max_length=50)] = ()

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema version {value}, expected {SCHEMA_VERSION}")
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        from exporter.formatting import country_code

        country_code(value)  # raises ValueError naming the country
        return value

    # Derived values: computed, never stored.

    @property
    def updated_date(self) -> date:
        """First day of the month the data is from."""
        year, month = self.updated.split("-")
        return date(int(year), int(month), 1)

    @property
    def change(self) -> Decimal:
        """Projected minus current average salary."""
        return self.salary.projected - self.salary.current_average

    @property
    def change_ratio(self) -> Decimal:
        """Change as a fraction of the current average (0.08 for 8%)."""
        return self.change / self.salary.current_average

    @property
    def small_sample(self) -> bool:
        """True when the figures rest on too few data points to be taken at face value."""
        return self.data_points < SMALL_SAMPLE_THRESHOLD

    @property
    def slug(self) -> str:
        """Filesystem-safe name for this role's outputs: ``lead-backend-specialist-canada``."""
        return slugify(f"{self.role} {self.country}")

    @property
    def premium_skills(self) -> tuple[str, ...]:
        """Skills with a premium, the top skill first, without repeats."""
        return _unique((self.skills.top, *self.skills.premium))

    @property
    def certification_list(self) -> tuple[str, ...]:
        """Certifications, the key one first, without repeats."""
        return _unique((self.certifications.key, *self.certifications.secondary))


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class RoleWarning:
    """Something the loader repaired in a role file, naming the file and the field."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.message}"


@dataclass(frozen=True)
class RoleLoad:
    """A loaded role with the warnings about what the character policy removed."""

    role: Role
    warnings: tuple[RoleWarning, ...] = ()


_JSON_KINDS = {
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def parse_role_checked(data: Any, source: str = "<memory>") -> RoleLoad:
    """Validate decoded JSON data as a :class:`Role`, returning the warnings too.

    The character policy (:mod:`exporter.text_policy`) is applied to every string
    first; its errors and the schema's are reported together in one
    :class:`~exporter.errors.RoleError`.
    """
    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), type(data).__name__)
        raise RoleError(source, [FieldProblem("", f"expected a JSON object, got {kind}")])
    problems: list[FieldProblem] = []
    warnings: list[RoleWarning] = []
    cleaned = _clean(data, (), problems, warnings, source)
    try:
        role = Role.model_validate(cleaned)
    except ValidationError as exc:
        problems += [_problem(err) for err in exc.errors()]
    if problems:
        raise RoleError(source, _capped(problems))
    if len(warnings) > MAX_PROBLEMS:
        more = len(warnings) - MAX_PROBLEMS
        summary = RoleWarning(source, "(file)", f"... and {more:,} more warnings")
        warnings = [*warnings[:MAX_PROBLEMS], summary]
    return RoleLoad(role, tuple(warnings))


def parse_role(data: Any, source: str = "<memory>") -> Role:
    """Validate already-decoded JSON data as a :class:`Role` (warnings are dropped)."""
    return parse_role_checked(data, source).role


def decode_role(raw: bytes, source: str = "<memory>") -> RoleLoad:
    """Validate the bytes of a role file: encoding, JSON, limits, characters, schema."""
    data = parse_json(raw, source, max_bytes=MAX_FILE_BYTES, max_depth=MAX_DEPTH)
    return parse_role_checked(data, source)


def load_role_checked(path: Path | str) -> RoleLoad:
    """Read and validate one role file, returning the warnings too."""
    path = Path(path)
    source = str(path)
    return decode_role(read_file(path, MAX_FILE_BYTES, source), source)


def load_role(path: Path | str) -> Role:
    """Read and validate one role file (warnings are dropped: see :func:`load_role_checked`)."""
    return load_role_checked(path).role


def decode_json(raw: bytes, source: str) -> Any:
    """Decode a role file's bytes as JSON, with the line and column of any error."""
    return parse_json(raw, source, max_bytes=MAX_FILE_BYTES, max_depth=MAX_DEPTH)


def role_files(folder: Path | str) -> list[Path]:
    """The role files in a folder, sorted by name."""
    return sorted(p for p in Path(folder).glob("*.json") if p.is_file())


def iter_roles(paths: list[Path]) -> Iterator[tuple[Path, Role | RoleError]]:
    """Load each file, yielding the role or the error so a batch can go on."""
    for path in paths:
        try:
            yield path, load_role(path)
        except RoleError as exc:
            yield path, exc


def _is_prose(path: tuple[str | int, ...]) -> bool:
    """Narrative fields keep paragraphs; every other text field is one line."""
    return path[:1] == ("sections",) or (path[:1] == ("checklist",) and path[-1:] == ("text",))


def _clean(
    value: Any,
    path: tuple[str | int, ...],
    problems: list[FieldProblem],
    warnings: list[RoleWarning],
    source: str,
) -> Any:
    """Apply the character policy to every string, and bound every list, recursively."""
    name = _field_name(path)
    if len(path) >= MAX_DEPTH and isinstance(value, dict | list):
        # Data decoded elsewhere (a web app's JSON) has not had its depth checked.
        problems.append(FieldProblem(name, f"nested deeper than {MAX_DEPTH} levels"))
        return None
    if isinstance(value, str):
        result = clean_text(value, multiline=_is_prose(path))
        problems += [FieldProblem(name, message) for message in result.errors]
        warnings += [RoleWarning(source, name, message) for message in result.warnings]
        return result.text
    if isinstance(value, dict):
        return {k: _clean(v, (*path, k), problems, warnings, source) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            problems.append(
                FieldProblem(name, f"list has {len(value):,} items, at most {MAX_LIST_ITEMS}")
            )
            value = value[:MAX_LIST_ITEMS]  # the rest is only checked, never used
        return [_clean(v, (*path, i), problems, warnings, source) for i, v in enumerate(value)]
    return value


def _field_name(path: tuple[Any, ...]) -> str:
    """A dotted field path, safe to print even when a key came from hostile data."""
    parts = (str(part) for part in path)
    return printable(".".join(p if len(p) <= 60 else f"{p[:57]}..." for p in parts))


def _capped(problems: list[FieldProblem]) -> list[FieldProblem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], FieldProblem("", f"... and {more:,} more problems")]


def _problem(err: Any) -> FieldProblem:
    loc = _field_name(err["loc"])
    kind = err["type"]
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = "unknown field"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if "input" in err and kind not in ("string_too_long",):
            shown = printable(repr(err["input"]))
            message += f" (got {shown[:60]}{'...' if len(shown) > 60 else ''})"
    return FieldProblem(loc, message)


def role_json(role: Role) -> bytes:
    """The role as canonical JSON (schema order, numbers as numbers) that loads back equal."""

    def number(value: object) -> int | float:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        raise TypeError(f"cannot serialise {type(value).__name__}")

    text = json.dumps(role.model_dump(mode="python"), indent=2, ensure_ascii=False, default=number)
    return (text + "\n").encode("utf-8")
