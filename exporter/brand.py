"""The brand: one TOML file that drives the PDF's CSS and the DOCX's styles alike.

Brand files come from operators. They are validated when loaded, before any role
is rendered: colours must be ``#rrggbb``, font names plain words, files present.
Values that reach CSS are only ever those that passed this grammar.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exporter.errors import BrandError
from exporter.paths import STYLES_DIR

DEFAULT_BRAND = STYLES_DIR / "brand.toml"

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
FontName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,62}$")]
ShortText = Annotated[str, Field(max_length=200)]


class Colours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    primary: Colour = "#0b3d5c"
    accent: Colour = "#e07a1f"
    text: Colour = "#1f2933"
    muted: Colour = "#5f6b7a"
    surface: Colour = "#eef3f7"
    warning: Colour = "#b54708"


class Fonts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    body: FontName = "DejaVu Sans"
    heading: FontName = "DejaVu Sans"


class Brand(BaseModel):
    """Validated brand values; hashable so renderers can be cached per brand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ShortText = "Market Intelligence"
    publisher: ShortText = "Market Intelligence"
    page_size: Literal["A4", "Letter"] = "A4"
    footer: ShortText = ""
    disclaimer: Annotated[str, Field(max_length=2000)] = ""
    colours: Colours = Colours()
    fonts: Fonts = Fonts()

    def css_variables(self) -> str:
        """The brand as CSS custom properties plus the page size."""
        c = self.colours
        lines = [
            f"--brand-{name}: {value};"
            for name, value in (
                ("primary", c.primary),
                ("accent", c.accent),
                ("text", c.text),
                ("muted", c.muted),
                ("surface", c.surface),
                ("warning", c.warning),
            )
        ]
        lines.append(f"--font-body: '{self.fonts.body}', 'DejaVu Sans', sans-serif;")
        lines.append(f"--font-heading: '{self.fonts.heading}', 'DejaVu Sans', sans-serif;")
        footer = css_string(self.footer)
        return (
            ":root {\n  " + "\n  ".join(lines) + "\n}\n"
            f"@page {{ size: {self.page_size}; @bottom-left {{ content: {footer}; }} }}\n"
        )


def css_string(text: str) -> str:
    """A CSS string literal that no text can break out of: all but letters and digits escaped."""
    return (
        '"'
        + "".join(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):x} " for ch in text)
        + '"'
    )


def load_brand(path: Path | str | None = None) -> Brand:
    """Read and validate a brand file (the bundled default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_BRAND
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandError(f"{path}: cannot read brand file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BrandError(f"{path}: invalid TOML: {exc}") from None
    try:
        return Brand.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise BrandError(f"{path}: " + "; ".join(problems)) from None
