"""HTTP details of file downloads: validators, ranges, Content-Disposition, problems."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from exporter.errors import FieldProblem

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

#: Files may change whenever the role data does: caches must ask again (cheap with the ETag).
CACHE_CONTROL = "no-cache"

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

#: Digits a byte position may have before it is simply "past any file" (no file is 10**18 bytes).
_MAX_DIGITS = 18

#: Characters an HTTP date has at most (``Sun, 06 Nov 1994 08:49:37 GMT`` is 29); longer is ignored.
_MAX_DATE = 64


def _position(text: str) -> int:
    """A byte position from its digits; one too long to be a size is simply past the end."""
    return int(text) if len(text) <= _MAX_DIGITS else 10**_MAX_DIGITS


def etag_of(sha256: str) -> str:
    """The strong entity tag of a file with this content hash."""
    return f'"{sha256}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 says)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag in tags


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII ``filename`` and an RFC 5987 ``filename*``."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """The one range a Range header asks for as (first, last), None for the whole file, or
    False when it cannot be satisfied. Several ranges get the whole file (RFC 9110 allows it)."""
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # not a single byte range: ignore it
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last n bytes
        length = _position(last_text)
        if length == 0 or size == 0:
            return False
        return (max(0, size - length), size - 1)
    first = _position(first_text)
    last = _position(last_text) if last_text else size - 1
    if first >= size or last < first:
        return False
    return (first, min(last, size - 1))


def not_modified_since(header: str | None, modified: float) -> bool:
    """Whether an If-Modified-Since header's date is at or after ``modified``.

    HTTP dates have whole seconds, so the file's time is compared by its second;
    a header that is not a valid HTTP date is ignored (RFC 9110, 13.1.3).
    """
    if header is None or len(header) > _MAX_DATE:
        return False
    try:
        since = parsedate_to_datetime(header.strip())
        if since.tzinfo is None:  # not a GMT date: not an HTTP date
            return False
        return int(modified) <= since.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):  # e.g. a 20-digit day or hour
        return False


def http_date(timestamp: float) -> str:
    """An IMF-fixdate for Last-Modified."""
    return formatdate(timestamp, usegmt=True)


#: What a published problem says when its message would quote the value.
INVALID_VALUE = "invalid value"


def public_message(message: str) -> str:
    """A field problem's message as published: the problem, never the value.

    The loader's messages may quote what the field held (``(got 'a lot')``,
    ``unknown country 'X'``); anything quoted is cut, and a message that still
    quotes is replaced by :data:`INVALID_VALUE`. The full message is for the log.
    """
    message = message.split(" (got ", 1)[0]
    if any(quote in message for quote in "'\"`"):
        return INVALID_VALUE
    return message


def public_problems(problems: Iterable[FieldProblem]) -> Iterator[tuple[FieldProblem, str]]:
    """Each problem with its published message (see :func:`public_message`)."""
    for item in problems:
        yield item, public_message(item.message)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem-details response (JSON, so every value is escaped as JSON)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    listed = list(errors)
    if listed:
        body["errors"] = listed
    return Response(
        json.dumps(body, ensure_ascii=True, indent=2) + "\n",
        status_code=status,
        media_type="application/problem+json",
        headers=dict(headers or {}),
    )


def file_response(
    request: Request,
    data: bytes,
    sha256: str,
    modified: float,
    filename: str,
    fmt: str,
    inline: bool = False,
) -> Response:
    """A file with its validators; 304 when the client's copy is current, 206 for a PDF range.

    The client's copy is current when If-None-Match names the ETag or, only when
    there is no If-None-Match (RFC 9110, 13.2.2), when If-Modified-Since is not
    earlier than the file's Last-Modified. Several ranges get the whole file.
    """
    etag = etag_of(sha256)
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": content_disposition(filename, inline),
    }
    if fmt == "pdf":
        headers["Accept-Ranges"] = "bytes"
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
    elif not_modified_since(request.headers.get("if-modified-since"), modified):
        return Response(status_code=304, headers=headers)
    wanted = None
    if fmt == "pdf":
        if_range = request.headers.get("if-range")
        if if_range is None or if_range.strip() == etag:
            wanted = byte_range(request.headers.get("range"), len(data))
    if wanted is False:
        headers["Content-Range"] = f"bytes */{len(data)}"
        return Response(status_code=416, headers=headers)
    if isinstance(wanted, tuple):
        first, last = wanted
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return Response(data[first : last + 1], 206, headers, MEDIA_TYPES[fmt])
    return Response(data, 200, headers, MEDIA_TYPES[fmt])
