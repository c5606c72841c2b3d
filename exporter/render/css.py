"""The brand as CSS: ``@font-face`` rules, custom properties and page settings.

Only values that passed the brand's grammar reach CSS, and every string is
written through :func:`css_string`, which no text can break out of.
"""

from __future__ import annotations

from collections.abc import Iterable

from exporter.model.brand import Brand
from exporter.model.fonts import FALLBACK_FAMILY, FontFace


def css_string(text: str) -> str:
    """A CSS string literal that no text can break out of: all but letters and digits escaped."""
    escaped = "".join(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def font_stack(family: str) -> str:
    """A CSS font-family list: the brand family, then the fallback."""
    return f"{css_string(family)}, {css_string(FALLBACK_FAMILY)}, sans-serif"


def font_face_css(faces: Iterable[FontFace]) -> str:
    """``@font-face`` rules for the faces (URLs are file URIs of the resolved files)."""
    rules = []
    for face in faces:
        # WeasyPrint takes no weight range; a variable face without one serves every weight.
        weight = "" if face.variable else f"font-weight: {face.weight_min}; "
        rules.append(
            "@font-face { "
            f"font-family: {css_string(face.family)}; "
            f"src: url({css_string(face.path.as_uri())}); "
            f"{weight}"
            f"font-style: {'italic' if face.italic else 'normal'}; }}"
        )
    return "\n".join(rules) + "\n"


def brand_css(brand: Brand) -> str:
    """The brand as @font-face rules, CSS custom properties and page settings."""
    c = brand.colours
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
    lines.append(f"--font-body: {font_stack(brand.fonts.body)};")
    lines.append(f"--font-heading: {font_stack(brand.fonts.heading)};")
    return (
        font_face_css(brand.faces)
        + ":root {\n  "
        + "\n  ".join(lines)
        + "\n}\n"
        + f"@page {{ size: {brand.page_size}; "
        + f"@bottom-left {{ content: {css_string(brand.footer)}; }} }}\n"
    )
