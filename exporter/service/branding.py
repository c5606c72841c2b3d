"""The brand on a listing page: its colours and fonts as a stylesheet, its logo, its font files.

:func:`brand_files` turns a loaded :class:`~exporter.model.brand.Brand` into the
files a listing page (:mod:`exporter.service.listing`) links to, by name:
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

from exporter.model.brand import Brand

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
    return resources.files("exporter.service").joinpath("templates", name).read_text("utf-8")


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
