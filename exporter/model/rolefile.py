"""Role files and role data: reading, decoding and checking them, and the canonical dump.

Role data is untrusted. A file is read within limits (:mod:`exporter.model.jsonfile`:
size, file type, encoding, nesting depth, duplicate keys), every string passes the
character policy (:mod:`exporter.model.text_policy`), then the schema
(:class:`~exporter.model.role.Role`). Every problem in a file is reported at once as a
:class:`~exporter.errors.RoleError` naming the file and each field; what the
policy repaired comes back as :class:`RoleWarning` values in a :class:`RoleLoad`.

Which loader to use: :func:`load_role` for a file (the public API);
:func:`load_role_checked` for a file when the warnings matter (the CLI prints them);
:func:`decode_role` for bytes that never touched the disk (a request body);
:func:`parse_role_checked` for JSON already decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from exporter.errors import ExporterError, FieldProblem, RoleError
from exporter.model.jsonfile import parse_json, read_file
from exporter.model.role import MAX_DEPTH, MAX_FILE_BYTES, MAX_LIST_ITEMS, MAX_PROBLEMS, Role
from exporter.model.text_policy import clean_text, printable

__all__ = [
    "RoleLoad",
    "RoleWarning",
    "decode_role",
    "find_role",
    "load_role",
    "load_role_checked",
    "parse_role",
    "parse_role_checked",
    "role_files",
    "role_folder",
    "role_json",
]


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


def role_files(folder: Path | str) -> list[Path]:
    """Every ``*.json`` entry of a folder, sorted by name, whatever it is.

    Folders, FIFOs, devices and broken links named ``*.json`` are listed too, so
    that reading them fails with a message naming them (they are never opened in
    a way that blocks: see :func:`exporter.files.read_regular_file`) instead of
    being skipped without a word. A ``manifest.json`` is never a role file when
    the folder also holds an export's ``index.html`` beside it.
    """
    folder = Path(folder)
    entries = sorted(folder.glob("*.json"))
    if (folder / "index.html").is_file() and (folder / "manifest.json").is_file():
        entries = [p for p in entries if p.name != "manifest.json"]
    return entries


def role_folder(folder: Path) -> list[Path]:
    """The role files of a folder that must exist and hold some."""
    if not folder.is_dir():
        raise ExporterError(f"{folder}: no such folder of role files")
    paths = role_files(folder)
    if not paths:
        raise ExporterError(f"{folder}: no role files (*.json) in this folder")
    return paths


def find_role(name: str, roles_dir: Path) -> Path:
    """A role file given by path, or by the slug of a role in ``roles_dir``."""
    path = Path(name)
    if path.is_file():
        return path
    candidate = roles_dir / f"{name}.json"
    if candidate.is_file():
        return candidate
    if roles_dir.is_dir():
        for file in role_files(roles_dir):
            try:
                if load_role(file).slug == name:
                    return file
            except RoleError:
                continue
    raise ExporterError(f"{name}: no such role file, and no role with that slug in {roles_dir}")


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
