"""What the service lists: each role with its key figures, its stable and immutable URLs.

``GET /roles`` answers a JSON body built once per change of the
:class:`~exporter.service.index.FileIndex` (a role edited, a file rendered or
evicted) and per root path, so a request costs a dictionary read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from exporter.api import FORMATS
from exporter.report.outline import Figures, figures
from exporter.service.immutable import FILES
from exporter.service.index import FileIndex, View


@dataclass(frozen=True)
class Row:
    """One role as listed: names, figures, and the URLs of its files."""

    slug: str
    role: str
    country: str
    figures: Figures
    urls: dict[str, str]  #: the stable names, by format
    files: dict[str, str | None]  #: the immutable URLs, by format (None until rendered)

    def to_json(self) -> dict[str, Any]:
        """The row as ``GET /roles`` lists it."""
        return {
            "slug": self.slug,
            "role": self.role,
            "country": self.country,
            "figures": asdict(self.figures),
            "urls": self.urls,
            "files": self.files,
        }


def rows(view: View, files: FileIndex, base: str) -> list[Row]:
    """Every role of the view, by slug, with URLs under the root path ``base``."""
    listed = []
    for slug, served in sorted(view.roles.items()):
        names = {fmt: files.name_of(served, fmt) for fmt in FORMATS}
        listed.append(
            Row(
                slug=slug,
                role=served.role.role,
                country=served.role.country,
                figures=figures(served.role),
                urls={fmt: f"{base}/roles/{slug}.{fmt}" for fmt in FORMATS},
                files={
                    fmt: f"{base}/{FILES}/{name}" if name else None for fmt, name in names.items()
                },
            )
        )
    return listed


class RolesJson:
    """``GET /roles``: the rows as JSON, built again only when the index changed."""

    def __init__(self, files: FileIndex) -> None:
        self.files = files
        self._built: dict[str, tuple[int, bytes]] = {}  # root path -> (version, body)

    async def endpoint(self, request: Request) -> Response:
        files = self.files
        view = files.peek() or await files.view()
        base = request.scope.get("root_path", "")
        built = self._built.get(base)
        if built is None or built[0] != files.version:
            body = json.dumps([row.to_json() for row in rows(view, files, base)]).encode()
            built = self._built[base] = (files.version, body)
        return Response(built[1], media_type="application/json")
