"""Output file names derived from role data: inside the output folder, never colliding.

A slug holds only ``a-z``, ``0-9`` and single hyphens, so it can be no path (no
``/``, ``\\``, ``..``, drive or absolute path), is the same on case-insensitive
file systems, and is never empty, never longer than :data:`MAX_SLUG_LENGTH` and
never a name Windows reserves (``CON``, ``NUL``, ``COM1``...). Text is compared
in Unicode normal form, so the NFC and NFD spellings of a name give one slug (and
two roles that differ only so are caught as a collision by the batch). Where the
ASCII spelling loses letters (a title in Japanese or Greek), a short hash of the
text keeps different titles apart.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG_LENGTH = 80

#: Device names Windows reserves, with or without an extension.
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
    + ["conin", "conout", "clock"]
)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lower-case ASCII words joined by hyphens; never empty, never a path, never reserved."""
    composed = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", composed)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = base.encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    lost = any(c.isalnum() and not c.isascii() for c in base)
    if lost:  # letters without an ASCII spelling: keep different titles apart
        digest = hashlib.sha256(composed.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug[: max_length - 9].rstrip('-')}-{digest}".lstrip("-")
    slug = slug[:max_length].rstrip("-") or "role"
    if slug in WINDOWS_RESERVED:
        slug = f"{slug}-role"
    return slug
