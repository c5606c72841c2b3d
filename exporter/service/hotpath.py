"""The download hot path: plain ASGI in front of the application's router.

``GET``/``HEAD /roles/{slug}.pdf|.docx`` and ``/files/{sha256}.pdf|.docx`` are
answered here when the file is in memory (:class:`~exporter.service.index.FileIndex`)
and the request is a plain one: no ``Range``, ``If-Range`` or ``If-Modified-Since``,
no query string, and no ``Origin`` when CORS is on. Such an answer is two dictionary
reads, a header list built when the file was loaded and, for ``If-None-Match``, one
comparison of bytes: less work than a minimal Starlette handler does. Everything
else (a file not in memory, a range, an uncached role, a CORS request) goes on to
the application, which answers it the long way with the same headers.

The stable name ``/roles/{slug}.pdf`` answers the file itself rather than
redirecting to its immutable URL: a redirect would cost every client a second
round trip (and ``curl`` without ``-L`` an empty body), while the stable name must
be revalidated anyway (``no-cache``), which a 304 does in one. Links that should be
kept by caches (the listing's, ``/roles``'s ``files``) name the immutable URL.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from exporter.service.immutable import IMMUTABLE, ServedFile, parse_name
from exporter.service.index import FileIndex
from exporter.service.metrics import Metrics
from exporter.service.responses import MEDIA_TYPES, etag_matches, file_response, problem

_DOWNLOAD_ROUTE = "/roles/{name}"
_FILES_ROUTE = "/files/{name}"
_ROLES = "/roles/"
_FILES = "/files/"
_SLOW = frozenset((b"range", b"if-range", b"if-modified-since"))


class HotPath:
    """ASGI middleware answering plain downloads of files held in memory."""

    def __init__(self, app: ASGIApp, files: FileIndex, metrics: Metrics, cors: bool) -> None:
        self.app = app
        self.files = files
        self.cors = cors
        self._requests = metrics.requests
        self._hits = {fmt: metrics.cache_hits.labels(fmt) for fmt in MEDIA_TYPES}
        self._counted: dict[tuple[str, str, int], Any] = {}  # label children, made once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self._target(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
            elif name in _SLOW or (name == b"origin" and self.cors):
                await self.app(scope, receive, send)
                return
        immutable, name, fmt = target
        found = await self._find(immutable, name, fmt)
        if found is None:
            await self.app(scope, receive, send)
            return
        if if_none_match is not None and _matches(if_none_match, found.etag):
            status, headers = 304, found.immutable_304 if immutable else found.stable_304
        else:
            status, headers = 200, found.immutable if immutable else found.stable
        await send({"type": "http.response.start", "status": status, "headers": headers})
        body = found.data if status == 200 and scope["method"] == "GET" else b""
        await send({"type": "http.response.body", "body": body})
        self._hits[found.fmt].inc()
        self._count(_FILES_ROUTE if immutable else _DOWNLOAD_ROUTE, scope["method"], status)

    def _target(self, scope: Scope) -> tuple[bool, str, str] | None:
        """(immutable?, file name or slug, format) of a plain download request, else None."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        if scope["query_string"]:
            return None
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if path.startswith(_FILES):
            name = path[len(_FILES) :]
            parsed = parse_name(name)
            return (True, name, parsed[1]) if parsed else None
        if path.startswith(_ROLES):
            slug, dot, fmt = path[len(_ROLES) :].rpartition(".")
            return (False, slug, fmt) if dot and fmt in MEDIA_TYPES else None
        return None

    async def _find(self, immutable: bool, name: str, fmt: str) -> ServedFile | None:
        """The file from memory, else from disk (a worker thread), else None."""
        files = self.files
        if immutable:
            return files.immutable(name) or await files.load_immutable(name)
        view = files.peek() or await files.view()
        return files.stable(view, name, fmt) or await files.load_stable(view, name, fmt)

    def _count(self, route: str, method: str, status: int) -> None:
        key = (route, method, status)
        child = self._counted.get(key)
        if child is None:
            child = self._counted[key] = self._requests.labels(route, method, str(status))
        child.inc()


def _matches(header: bytes, etag: bytes) -> bool:
    """If-None-Match naming this ETag (weak comparison, as RFC 9110 says)."""
    if header == etag:
        return True
    return etag_matches(header.decode("latin-1"), etag.decode())


async def files_endpoint(request: Request, files: FileIndex) -> Response:
    """``GET /files/{name}`` the long way: a file not in memory, a range, a conditional."""
    name: str = request.path_params["name"]
    found = files.immutable(name) if parse_name(name) else None
    if found is None:
        found = await files.load_immutable(name)
    if found is None:
        return problem(404, "Not found", "There is no such file.")
    response = file_response(
        request, found.data, found.sha256, found.modified, found.name, found.fmt
    )
    response.headers["cache-control"] = IMMUTABLE
    del response.headers["content-disposition"]
    return response
