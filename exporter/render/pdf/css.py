"""The brand as CSS: ``@font-face`` rules, custom properties and page settings.

Only values that passed the brand's grammar reach CSS, and every string is
written through :func:`css_string`, which no text can break out of.
"""

from __future__ import annotations

from exporter.fonts.css import css_string, font_face_css, font_stack
from exporter.model.brand import Brand


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
