"""What the service lists: each role with its key figures, its stable and immutable URLs.

``GET /roles`` answers a JSON body built once per change of the
:class:`~exporter.service.index.FileIndex` (a role edited, a file rendered or
evicted) and per root path, so a request costs a dictionary read.

``GET /`` is the branded listing page (:class:`ListingPage`): the template of
:mod:`exporter.render.listing`, which the batch's ``index.html`` can use too, with
the brand's files under ``/brand/``. Download links name a file's immutable URL once
it has one (else its stable name), with a ``download`` attribute naming the file.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from exporter.api import FORMATS
from exporter.engine.settings import Settings
from exporter.render.listing import MEDIA_TYPES as BRAND_MEDIA_TYPES
from exporter.render.listing import (
    PAGE_CSP,
    BrandFiles,
    Page,
    brand_files,
    page_row,
    render_listing,
)
from exporter.report.outline import Figures, figures
from exporter.service.immutable import FILES
from exporter.service.index import FileIndex, View
from exporter.service.responses import problem


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


class ListingPage:
    """``GET /`` (the branded listing of the served roles) and ``GET /brand/{name}`` (its files).

    The brand is read again when the render fingerprint changes (a new brand file,
    logo or font is a new fingerprint, see :mod:`exporter.service.inputs`).
    """

    def __init__(self, files: FileIndex, settings: Settings, title: str) -> None:
        self.files = files
        self.settings = settings
        self.title = title
        self._brand: tuple[str, BrandFiles] | None = None

    async def brand(self) -> BrandFiles:
        """The current brand's files (read once per render fingerprint)."""
        key = self.files.roles.fingerprint
        if self._brand is None or self._brand[0] != key:
            made = await asyncio.to_thread(lambda: brand_files(self.settings.load_brand()))
            self._brand = (key, made)
        return self._brand[1]

    async def endpoint(self, request: Request) -> Response:
        """The page; ``?q=`` keeps the roles whose name, country or slug has every word."""
        view = self.files.peek() or await self.files.view()
        brand = await self.brand()
        base = request.scope.get("root_path", "")
        query = request.query_params.get("q", "")[:200]
        words = query.lower().split()
        shown = []
        for row in sorted(rows(view, self.files, base), key=lambda r: (r.role.lower(), r.country)):
            search = f"{row.role} {row.country} {row.slug}".lower()
            if all(word in search for word in words):
                links: dict[str, tuple[str, str]] = {
                    fmt: (row.files[fmt] or row.urls[fmt], f"{row.slug}.{fmt}") for fmt in FORMATS
                }
                shown.append(page_row(row.role, row.country, row.figures, links, search=search))
        page = Page(
            title=self.title,
            brand=brand.name,
            intro="Every role's report (PDF) and briefing (Word), made from the current data.",
            footer=brand.footer,
            assets=f"{base}/brand/",
            logo=brand.logo,
            rows=tuple(shown),
            total=len(view.roles),
            search=f"{base}/",
            query=query,
            problems=tuple(f"{p.name}: {line}" for p in view.problems for line in p.public),
        )
        return HTMLResponse(render_listing(page), headers={"Content-Security-Policy": PAGE_CSP})

    async def asset(self, request: Request) -> Response:
        """One of the page's brand files (stylesheet, script, logo, fonts)."""
        name: str = request.path_params["name"]
        data = (await self.brand()).files.get(name)
        if data is None:
            return problem(404, "Not found", "There is no such role or page.")
        media = BRAND_MEDIA_TYPES[name[name.rindex(".") :]]
        return Response(data, media_type=media, headers={"Cache-Control": "no-cache"})
