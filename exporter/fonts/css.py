"""Fonts as CSS: ``@font-face`` rules and font stacks, with strings no text can break out of.

The PDF's brand stylesheet (:mod:`exporter.render.pdf.css`) and the watermark use them.
"""

from __future__ import annotations

from collections.abc import Iterable

from exporter.fonts.faces import FALLBACK_FAMILY, FontFace


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
