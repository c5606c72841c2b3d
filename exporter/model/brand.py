"""The brand: one TOML file that drives the PDF's CSS and the DOCX's styles alike.

Brand files come from operators. They are validated when loaded, before any role
is rendered: colours must be ``#rrggbb``, font names plain words, the website an
http(s) URL, and every file the brand names (logo, fonts) present and readable.
Values that reach CSS are only ever those that passed this grammar; strings are
escaped when they become CSS (:mod:`exporter.render.pdf.css`).

Contrast: every text colour is checked against every background it is drawn on
in the PDF's stylesheet and the DOCX styles (:data:`TEXT_PAIRS`), with the WCAG
2.2 contrast ratio. A pair below AA (4.5:1 for normal text, 3:1 for large text:
18 pt, or 14 pt bold) refuses the brand, naming the keys, the ratio and where the
pair is used, unless the brand says ``accept_low_contrast = true``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from exporter.errors import BrandError
from exporter.fonts.faces import (
    FALLBACK_FAMILY,
    FontFace,
    FontFileError,
    inspect_font,
    package_font_files,
    static_faces,
)
from exporter.resources import STYLES_DIR

DEFAULT_BRAND = STYLES_DIR / "brand.toml"

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
FontName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,62}$")]
ShortText = Annotated[str, Field(max_length=200)]
RelativeFile = Annotated[str, Field(pattern=r"^[^\x00-\x1f]{1,255}$")]
WebURL = Annotated[str, Field(pattern=r"^https?://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~%/\-]*)?$")]

LOGO_SUFFIXES = {".svg": "image/svg+xml", ".png": "image/png"}
RASTER_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Colours(_Strict):
    primary: Colour = "#0b3d5c"
    accent: Colour = "#b5580c"
    text: Colour = "#1f2933"
    muted: Colour = "#5f6b7a"
    surface: Colour = "#eef3f7"
    warning: Colour = "#b54708"


class FontSource(_Strict):
    """Where one family's files come from: a font package, or files beside the brand."""

    family: FontName
    package: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]{0,99}$")] | None = None
    files: tuple[RelativeFile, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> FontSource:
        if (self.package is None) == (not self.files):
            raise ValueError("give either package or files")
        return self


class Fonts(_Strict):
    body: FontName = FALLBACK_FAMILY
    heading: FontName = FALLBACK_FAMILY
    source: tuple[FontSource, ...] = ()


class Brand(_Strict):
    """Validated brand values with every file resolved; hashable for caching."""

    name: ShortText = "Market Intelligence"
    publisher: ShortText = "Market Intelligence"
    website: WebURL | None = None
    logo: RelativeFile | None = None
    logo_raster: RelativeFile | None = None
    page_size: Literal["A4", "Letter"] = "A4"
    footer: ShortText = ""
    disclaimer: Annotated[str, Field(max_length=2000)] = ""
    colours: Colours = Colours()
    fonts: Fonts = Fonts()
    accept_low_contrast: bool = False  #: publish even with text below WCAG AA contrast
    # Resolved when loaded from a file; not part of the TOML.
    folder: Path = STYLES_DIR
    faces: tuple[FontFace, ...] = ()

    @property
    def logo_path(self) -> Path | None:
        return (self.folder / self.logo).resolve() if self.logo else None

    @property
    def logo_raster_path(self) -> Path | None:
        """The logo as a PNG or JPEG, for Word (which cannot place SVG)."""
        if self.logo_raster:
            return (self.folder / self.logo_raster).resolve()
        logo = self.logo_path
        return logo if logo is not None and logo.suffix.lower() in RASTER_SUFFIXES else None

    @property
    def asset_roots(self) -> tuple[Path, ...]:
        """Folders the renderer may read for this brand: its own folder and its fonts'."""
        return (self.folder.resolve(), *sorted({face.path.parent for face in self.faces}))


#: WCAG 2.2 AA minimum contrast ratios.
AA_NORMAL = 4.5
AA_LARGE = 3.0

#: Every text colour drawn on a background, in ``styles/report.css`` and the DOCX styles
#: (``exporter/render/docx/styles.py``): text key, background key, large text, where.
#: ``white`` is the page. Keep this in step with the stylesheet and the styles.
TEXT_PAIRS: tuple[tuple[str, str, bool, str], ...] = (
    ("text", "white", False, "body text"),
    ("muted", "white", False, "captions, page headers and footers, facts line"),
    ("primary", "white", False, "headings, links, checklist labels, key figures"),
    ("accent", "white", False, "the kicker above the title (9 pt bold)"),
    ("warning", "white", False, "small-sample flags"),
    ("white", "primary", False, "the brand name in the title band, table headers"),
    ("text", "surface", False, "callouts, contents"),
    ("muted", "surface", False, "key-figure labels and notes, contents page numbers"),
    ("primary", "surface", False, "callout titles, key figures"),
    ("warning", "surface", False, "small-sample flags in callouts"),
)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problems(colours: Colours) -> list[str]:
    """Every text/background pair of :data:`TEXT_PAIRS` below WCAG AA, described."""
    values = {**colours.model_dump(), "white": "#ffffff"}
    problems = []
    for text, background, large, where in TEXT_PAIRS:
        ratio = contrast_ratio(values[text], values[background])
        need = AA_LARGE if large else AA_NORMAL
        if ratio < need:
            names = [k if k == "white" else f"colours.{k}" for k in (text, background)]
            problems.append(
                f"{names[0]} ({values[text]}) on {names[1]} ({values[background]}) has "
                f"contrast {ratio:.2f}:1, below WCAG AA {need:g}:1 ({where})"
            )
    return problems


def load_brand(path: Path | str | None = None) -> Brand:
    """Read and validate a brand file (the bundled default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_BRAND
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandError(f"{path}: cannot read brand file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BrandError(f"{path}: invalid TOML: {exc}") from None
    for key in ("folder", "faces"):
        if key in data:
            raise BrandError(f"{path}: {key}: unknown field")
    try:
        brand = Brand.model_validate({**data, "folder": path.resolve().parent})
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise BrandError(f"{path}: " + "; ".join(problems)) from None
    low = contrast_problems(brand.colours)
    if low and not brand.accept_low_contrast:
        raise BrandError(
            f"{path}: " + "; ".join(low) + "; darken or lighten the colours, or set "
            "accept_low_contrast = true to publish anyway"
        )
    return _resolve_files(brand, path)


def _resolve_files(brand: Brand, path: Path) -> Brand:
    """Check every file the brand names and read its fonts; errors name the file and key."""
    for key, allowed in (("logo", LOGO_SUFFIXES), ("logo_raster", RASTER_SUFFIXES)):
        value = getattr(brand, key)
        if value is None:
            continue
        file = (brand.folder / value).resolve()
        if file.suffix.lower() not in allowed:
            raise BrandError(f"{path}: {key}: {value!r} must be one of {', '.join(allowed)}")
        if not file.is_file():
            raise BrandError(f"{path}: {key}: file {file} does not exist")
    faces: list[FontFace] = []
    for index, source in enumerate(brand.fonts.source):
        where = f"{path}: fonts.source[{index}]"
        try:
            files = (
                package_font_files(source.package)
                if source.package
                else tuple((brand.folder / name).resolve() for name in source.files)
            )
            for file in files:
                faces += static_faces(inspect_font(file, source.family))
        except FontFileError as exc:
            raise BrandError(f"{where}: {exc}") from None
    families = {face.family for face in faces} | {FALLBACK_FAMILY}
    for key in ("body", "heading"):
        family = getattr(brand.fonts, key)
        if family not in families:
            raise BrandError(f"{path}: fonts.{key}: no [[fonts.source]] provides family {family!r}")
    return brand.model_copy(update={"faces": tuple(faces)})
