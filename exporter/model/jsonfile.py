"""Reading an untrusted JSON file: size, file type, encoding, nesting depth, duplicate keys.

Every problem is a :class:`~exporter.errors.RoleError` naming the file, with the
line and column where one is known. Nothing here can hang (special files are
refused before they are read), exhaust memory (the size is checked before and
while reading) or overflow the stack (nesting is measured before parsing).
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

from exporter.errors import FieldProblem, RoleError
from exporter.files import UnsafeFile, read_regular_file

#: Longest integer literal accepted; Python refuses to parse more than 4,300 digits.
MAX_INTEGER_DIGITS = 30

# A JSON string (an unterminated one ends at the line's end: JSON strings hold no raw
# line breaks), or one of the characters that open, close or separate containers.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[\[\]{}:]')


def _fail(source: str, message: str) -> RoleError:
    return RoleError(source, [FieldProblem("", message)])


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}, column {column}"


def read_file(path: Path, max_bytes: int, source: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (see :mod:`exporter.safefile`)."""
    try:
        return read_regular_file(path, max_bytes)
    except UnsafeFile as exc:
        raise _fail(source, str(exc)) from None


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text (a leading BOM is dropped), or an error saying what the bytes are instead."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _fail(source, "file is UTF-32 text; save it as UTF-8")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _fail(source, "file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        raise _fail(source, "file holds NUL bytes: not UTF-8 text (UTF-16 without a BOM?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        byte = raw[exc.start]
        raise _fail(
            source,
            f"not UTF-8 text: invalid byte 0x{byte:02x} at line {line}, column {column}",
        ) from None


def check_structure(text: str, source: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` and duplicate keys, before parsing.

    A scan of strings and brackets only, linear in the text: it never recurses,
    so a file of a million ``[`` is an error, not a stack overflow.
    """
    stack: list[set[str] | None] = []  # one entry per open container: keys of an object
    last_string: tuple[str, int] | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            stack.append(set() if token == "{" else None)
            if len(stack) > max_depth:
                raise _fail(
                    source,
                    f"JSON nested deeper than {max_depth} levels at {_where(text, match.start())}",
                )
        elif token in "}]":
            if stack:
                stack.pop()
        elif token == ":":
            keys = stack[-1] if stack else None
            if keys is not None and last_string is not None:
                key, offset = _decode_key(last_string[0]), last_string[1]
                if key in keys:
                    raise _fail(source, f"duplicate key {key!r} at {_where(text, offset)}")
                keys.add(key)
        if token.startswith('"'):
            last_string = (token, match.start())
        elif token != ":":
            last_string = None


def _decode_key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token
    return key if isinstance(key, str) else token


class _Invalid(ValueError):
    """Raised from the parser's hooks; the message is shown to the user."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:  # check_structure reports these with a position first
            raise _Invalid(f"duplicate key {key!r}")
        result[key] = value
    return result


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Invalid(f"number {literal[:12]}... has more than {MAX_INTEGER_DIGITS} digits")
    return int(literal)


def parse_json(raw: bytes, source: str, *, max_bytes: int, max_depth: int) -> Any:
    """Decode a JSON document from untrusted bytes; every problem is a clear error."""
    if len(raw) > max_bytes:
        raise _fail(source, f"file is larger than {max_bytes:,} bytes")
    text = decode_text(raw, source)
    if not text.strip():
        raise _fail(source, "file is empty")
    check_structure(text, source, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_object, parse_int=_integer)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _fail(source, f"invalid JSON at {where}: {exc.msg}") from None
    except _Invalid as exc:
        raise _fail(source, f"invalid JSON: {exc}") from None
    except RecursionError:  # pragma: no cover - check_structure bounds the depth first
        raise _fail(source, "JSON nested too deeply") from None
