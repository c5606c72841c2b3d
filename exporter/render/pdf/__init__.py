"""The PDF writer's options; the writer itself (:mod:`.writer`) imports WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exporter.errors import RenderError
from exporter.render.pdf.variants import DEFAULT_VARIANT, PDF_VARIANTS


@dataclass(frozen=True)
class PdfOptions:
    """How to write a PDF: variant, the source attachment, templates, watermark."""

    variant: str = DEFAULT_VARIANT  #: one of :data:`PDF_VARIANTS`; every variant stays tagged
    attach: bool = True  #: embed the report's source data (where the variant allows)
    templates: Path | None = None  #: an operator's templates, searched before the bundled ones
    watermark: str = ""  #: text on every page, behind the content

    def check(self) -> PdfOptions:
        """The options, or a :class:`RenderError` naming what is wrong."""
        if self.variant not in PDF_VARIANTS:
            raise RenderError(
                f"unknown PDF variant {self.variant!r}; one of: {', '.join(PDF_VARIANTS)}"
            )
        if self.watermark:
            from exporter.render.watermark import check

            check(self.watermark)
        from exporter.render.pdf.html import report_template

        report_template(self.templates)  # every template compiles
        return self
