"""What the service lists: each role with its key figures, its stable and immutable URLs.

``GET /roles`` answers a JSON body built once per change of the
:class:`~exporter.service.index.FileIndex` (a role edited, a file rendered or
evicted) and per root path, so a request costs a dictionary read.

``GET /`` is the branded listing page: ``templates/listing.html`` rendered from a
:class:`Page` of plain values by :func:`render_listing`, which the batch's
``index.html`` can use too; the brand's files come from
:mod:`exporter.service.branding`. Download links name a file's immutable URL once
it has one (else its stable name), with a ``download`` attribute naming the file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from exporter.api import FORMATS
from exporter.batch.settings import RenderSettings
from exporter.report.outline import Figures, figures
from exporter.service.branding import MEDIA_TYPES as BRAND_MEDIA_TYPES
from exporter.service.branding import BrandFiles, brand_files
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


# --- the listing page (GET /, and the batch's index.html): one template, plain data ---

#: A strict policy for the page: its own styles, scripts, images and fonts, nothing inline.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_KINDS = {"pdf": ("PDF", "report"), "docx": ("DOCX", "briefing")}


@dataclass(frozen=True)
class Link:
    """A download: where, the file name to save it as, its visible label and what it is."""

    href: str
    filename: str
    label: str
    kind: str


@dataclass(frozen=True)
class PageRow:
    """A role as the page shows it."""

    role: str
    country: str
    figures: Figures
    links: tuple[Link, ...]
    search: str  #: the lower-case words the filter matches
    note: str | None = None


@dataclass(frozen=True)
class Note:
    """A line above the table, with an optional link."""

    text: str
    href: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Page:
    """Everything the listing template shows; ``assets`` is the prefix of the brand's files
    (:func:`exporter.service.branding.brand_files`), ``search`` the form's action (None:
    no server to ask, the script filters)."""

    title: str
    brand: str
    intro: str
    footer: str
    assets: str
    logo: str | None
    rows: tuple[PageRow, ...]
    total: int
    search: str | None = None
    query: str = ""
    notes: tuple[Note, ...] = ()
    problems: tuple[str, ...] = ()


def page_row(role: str, country: str, shown: Figures, links: Mapping[str, tuple[str, str]],
             note: str | None = None, search: str = "") -> PageRow:  # fmt: skip
    """A row from plain values; ``links`` maps a format to (href, file name to save as)."""
    made = tuple(
        Link(href, filename, *_KINDS.get(fmt, (fmt.upper(), "file")))
        for fmt, (href, filename) in links.items()
    )
    return PageRow(role, country, shown, made, (search or f"{role} {country}").lower(), note)


_TEMPLATE: list[Any] = []


def render_listing(page: Page) -> str:
    """The listing page's HTML (every value escaped)."""
    if not _TEMPLATE:
        from jinja2 import Environment, select_autoescape

        from exporter.service.branding import template_text

        env = Environment(autoescape=select_autoescape(default=True), auto_reload=False)
        _TEMPLATE.append(env.from_string(template_text("listing.html")))
    return str(_TEMPLATE[0].render(page=page))


class ListingPage:
    """``GET /`` (the branded listing of the served roles) and ``GET /brand/{name}`` (its files).

    The brand is read again when the render fingerprint changes (a new brand file,
    logo or font is a new fingerprint, see :mod:`exporter.service.inputs`).
    """

    def __init__(self, files: FileIndex, settings: RenderSettings, title: str) -> None:
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
            problems=tuple(f"{p.path.name}: {p.message}" for p in view.problems),
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
