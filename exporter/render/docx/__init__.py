"""The DOCX writer's options; the writer itself (:mod:`.writer`) imports python-docx."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DocxOptions:
    """How to write a DOCX: the reference document, font embedding, watermark."""

    template: Path | None = None  #: an organisation's reference .docx, its styles used as they are
    embed_fonts: bool = True  #: embed the brand's fonts, subset and obfuscated
    watermark: str = ""  #: Word's own watermark shape on every page

    def check(self) -> DocxOptions:
        """The options, or a :class:`~exporter.errors.RenderError` naming what is wrong."""
        if self.watermark:
            from exporter.render.watermark import check

            check(self.watermark)
        return self
