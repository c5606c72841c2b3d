"""The role schema: one job role in one country, validated once at the boundary.

A role file is a JSON object (see ``fixtures/roles/`` and the README). Loading it
returns a frozen :class:`Role`; every problem in a file is reported at once as a
:class:`~exporter.errors.RoleError` naming the file and each field.

Derived values (salary change, percentage, small-sample flag, slug) are
properties, never stored in the file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
)

from exporter.errors import FieldProblem, RoleError

SCHEMA_VERSION = 1

#: Below this many data points a report flags its figures as a small sample.
SMALL_SAMPLE_THRESHOLD = 30

#: Largest salary accepted: anything above is a data error, not a salary.
MAX_SALARY = 100_000_000

#: Largest role file read, in bytes.
MAX_FILE_BYTES = 1_000_000

Text = Annotated[str, Field(min_length=1, max_length=200)]
Prose = Annotated[str, Field(max_length=20_000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Salary(_Frozen):
    """Current average and projected salary, in whole units of ``currency``."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CAD")]
    current_average: Annotated[Decimal, Field(gt=0, le=MAX_SALARY, allow_inf_nan=False)]
    projected: Annotated[Decimal, Field(gt=0, le=MAX_SALARY, allow_inf_nan=False)]

    @field_validator("current_average", "projected", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        # JSON gives numbers as int/float; "141,344" or true is a data error, not a coercion.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
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
    text: Annotated[str, Field(min_length=1, max_length=2_000)]


class Role(_Frozen):
    """One job role in one country, as the publisher's page describes it."""

    schema_version: int = SCHEMA_VERSION
    role: Text
    country: Text
    practice_area: Annotated[str, Field(max_length=200)] | None = None
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


def slugify(text: str, max_length: int = 80) -> str:
    """Lower-case ASCII words joined by hyphens; never empty, never a path."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "role"


def parse_role(data: Any, source: str = "<memory>") -> Role:
    """Validate already-decoded JSON data as a :class:`Role`."""
    if not isinstance(data, dict):
        raise RoleError(source, [FieldProblem("", "expected a JSON object")])
    try:
        return Role.model_validate(data)
    except ValidationError as exc:
        raise RoleError(source, [_problem(err) for err in exc.errors()]) from None


def load_role(path: Path | str) -> Role:
    """Read and validate one role file."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RoleError(source, [FieldProblem("", f"cannot read file: {exc.strerror}")]) from None
    return parse_role(decode_json(raw, source), source)


def decode_json(raw: bytes, source: str) -> Any:
    """Decode a role file's bytes as JSON, with the line and column of any error."""
    if len(raw) > MAX_FILE_BYTES:
        raise RoleError(source, [FieldProblem("", f"file is larger than {MAX_FILE_BYTES} bytes")])
    if not raw.strip():
        raise RoleError(source, [FieldProblem("", "file is empty")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RoleError(
            source, [FieldProblem("", f"not UTF-8 text (byte {exc.start} is invalid)")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise RoleError(source, [FieldProblem("", f"invalid JSON at {where}: {exc.msg}")]) from None


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


def _problem(err: Any) -> FieldProblem:
    loc = ".".join(str(part) for part in err["loc"])
    kind = err["type"]
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = "unknown field"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if "input" in err and kind not in ("string_too_long",):
            shown = repr(err["input"])
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
