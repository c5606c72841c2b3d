"""The listing page, from plain data: one template for the service's ``GET /`` and the
batch's ``index.html``, and the brand's files it links to.

This module imports nothing from the service (only the brand, the figures and
Jinja2), so a lower layer can take it over: the batch may not import
``exporter.service`` (the layer contract in pyproject.toml).

:func:`render_listing` renders ``listing.html`` (beside this module) from a :class:`Page`.
:func:`brand_files` turns a loaded :class:`~exporter.model.brand.Brand` into the
files a listing page links to, by name:
``listing.css`` (the brand's colours and families as custom properties, an
``@font-face`` per font file, then the layout), ``listing.js`` (the filter), the
logo and the fonts. Every link between them is relative, so the service serves
them under ``/brand/`` and a static folder (the batch's ``index.html``) can hold
them beside the page. Nothing is inline: the page keeps a strict CSP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from exporter.model.brand import Brand
from exporter.report.outline import Figures

#: Media types of the files :func:`brand_files` makes, by suffix.
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

_FALLBACK = "system-ui, -apple-system, 'Segoe UI', sans-serif"


@dataclass(frozen=True)
class BrandFiles:
    """A listing page's brand: its files by name, the logo's name among them, its words."""

    files: Mapping[str, bytes]
    logo: str | None
    name: str
    footer: str


def template_text(name: str) -> str:
    """One of the listing's template files (``listing.html``, ``.css``, ``.js``)."""
    return resources.files("exporter.render.listing").joinpath(name).read_text("utf-8")


def brand_files(brand: Brand) -> BrandFiles:
    """The files of a branded listing page (reads the logo and font files)."""
    files: dict[str, bytes] = {}
    families = (brand.fonts.body, brand.fonts.heading)
    rules = []
    for number, face in enumerate(f for f in brand.faces if f.family in families):
        name = f"font-{number}{face.path.suffix.lower()}"
        if face.path.suffix.lower() not in MEDIA_TYPES:
            continue
        files[name] = face.path.read_bytes()
        weight = f"{face.weight_min} {face.weight_max}" if face.variable else f"{face.weight_min}"
        rules.append(
            f"@font-face {{ font-family: {_quoted(face.family)}; src: url({name}); "
            f"font-weight: {weight}; font-style: {'italic' if face.italic else 'normal'}; "
            "font-display: swap; }"
        )
    logo = None
    if brand.logo is not None:
        path = (brand.folder / brand.logo).resolve()
        if path.suffix.lower() in MEDIA_TYPES:
            logo = f"logo{path.suffix.lower()}"
            files[logo] = path.read_bytes()
    colours = brand.colours.model_dump()
    variables = " ".join(f"--{key}: {value};" for key, value in colours.items())
    variables += f" --font-body: {_quoted(brand.fonts.body)}, {_FALLBACK};"
    variables += f" --font-heading: {_quoted(brand.fonts.heading)}, {_FALLBACK};"
    css = "\n".join([f":root {{ {variables} }}", *rules, template_text("listing.css")])
    files["listing.css"] = css.encode("utf-8")
    files["listing.js"] = template_text("listing.js").encode("utf-8")
    return BrandFiles(files, logo, brand.name, brand.footer or brand.publisher)


def _quoted(family: str) -> str:
    """A CSS string of a family name (brand names are validated; quotes dropped anyway)."""
    return '"' + family.replace('"', "").replace("\\", "") + '"'


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
    figures: Figures | None  #: None: not known (a row shows "—")
    links: tuple[Link, ...]
    search: str  #: the lower-case words the filter matches
    note: str | None = None


@dataclass(frozen=True)
class Note:
    """A line above the table, with an optional link (and more: ``links``, (href, label)
    pairs); a ``warning`` shows in the brand's warning colour."""

    text: str
    href: str | None = None
    label: str = ""
    links: tuple[tuple[str, str], ...] = ()
    warning: bool = False

    @property
    def anchors(self) -> tuple[tuple[str, str], ...]:
        """Every link of the note, in order."""
        first = ((self.href, self.label),) if self.href is not None else ()
        return first + self.links


@dataclass(frozen=True)
class Page:
    """Everything the listing template shows; ``assets`` is the prefix of the brand's files
    (:func:`brand_files`), ``search`` the form's action (None:
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
    empty: str = "No role matches the filter."  #: what shows when there is no row


def page_row(role: str, country: str, shown: Figures | None, links: Mapping[str, tuple[str, str]],
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

        env = Environment(autoescape=select_autoescape(default=True), auto_reload=False)
        _TEMPLATE.append(env.from_string(template_text("listing.html")))
    return str(_TEMPLATE[0].render(page=page))
