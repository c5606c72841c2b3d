"""The PDF variants WeasyPrint can write, known without importing WeasyPrint."""

from __future__ import annotations

#: Tagged, accessible PDF unless the caller asks for another variant.
DEFAULT_VARIANT = "pdf/ua-1"

#: Every standard variant WeasyPrint 70 offers (its ``pdf.VARIANTS`` minus "debug").
PDF_VARIANTS = (
    "pdf/ua-1",
    "pdf/ua-2",
    "pdf/a-1a",
    "pdf/a-1b",
    "pdf/a-2a",
    "pdf/a-2b",
    "pdf/a-2u",
    "pdf/a-3a",
    "pdf/a-3b",
    "pdf/a-3u",
    "pdf/a-4e",
    "pdf/a-4f",
    "pdf/a-4u",
    "pdf/x-1a",
    "pdf/x-3",
    "pdf/x-4",
    "pdf/x-5g",
)


def allows_attachments(variant: str) -> bool:
    """PDF/A-1 forbids embedded files and PDF/A-2 allows only PDF/A ones: no source JSON there."""
    return not variant.startswith(("pdf/a-1", "pdf/a-2"))
