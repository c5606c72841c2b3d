"""The PDF writer: report outline -> HTML (Jinja2) -> tagged PDF (WeasyPrint).

A :class:`PdfWriter` holds everything that can be reused between documents (the
Jinja2 environment, the font configuration, the parsed stylesheets), so a batch
builds one per process and renders many roles with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from exporter.errors import BrandError
from exporter.model.brand import Brand
from exporter.render import watermark
from exporter.render.pdf import PdfOptions
from exporter.render.pdf.css import brand_css
from exporter.render.pdf.fetch import LocalAssetFetcher
from exporter.render.pdf.html import render_html, template_folders
from exporter.render.pdf.tagging import add_table_scopes
from exporter.render.pdf.variants import allows_attachments
from exporter.report.outline import Report
from exporter.resources import STYLES_DIR

#: Held while WeasyPrint runs: one PDF render at a time per process (it is not thread-safe).
PDF_LOCK = threading.RLock()


class PdfWriter:
    """Renders reports to PDF bytes with one brand and options; reuse it for many reports."""

    lock: AbstractContextManager[Any] = PDF_LOCK

    def __init__(self, brand: Brand, options: PdfOptions | None = None) -> None:
        options = options or PdfOptions()
        self.brand = brand
        self.variant = options.variant
        self.templates = options.templates
        templates = options.templates
        folders = template_folders(templates)
        self._base_url = str(folders[0]) + "/"
        self._fetcher = LocalAssetFetcher((*folders, STYLES_DIR, *brand.asset_roots))
        self._fonts = FontConfiguration()
        self._watermarks: dict[str, CSS] = {}
        stylesheet = STYLES_DIR / "report.css"
        with weasyprint_messages() as problems:
            self._stylesheets = [
                CSS(filename=str(stylesheet), font_config=self._fonts, url_fetcher=self._fetcher),
                CSS(
                    string=brand_css(brand),
                    base_url=str(brand.folder) + "/",
                    font_config=self._fonts,
                    url_fetcher=self._fetcher,
                ),
            ]
        if problems:
            # WeasyPrint only logs bad CSS; a stylesheet it cannot fully use is an error here.
            raise BrandError(f"{stylesheet}: " + "; ".join(problems))

    def html(self, report: Report) -> str:
        """The report as an HTML document (what WeasyPrint lays out)."""
        return render_html(report, self.brand, self.templates)

    def render(self, report: Report, options: PdfOptions | None = None) -> bytes:
        """The report as PDF bytes.

        The report's source data is embedded as an attachment when ``options.attach``
        and the variant allow it; ``options.watermark`` (text) is drawn on every page
        (see :mod:`exporter.render.watermark`). The writer's variant and templates are
        those it was built with. A report with ``relative_links`` (the overview) keeps
        links such as ``role.pdf`` relative to the PDF's own folder (WeasyPrint would
        resolve them against the templates folder); the document then has no base URL,
        so its assets must be absolute (the bundled ones are).
        """
        options = options or PdfOptions()
        source = report.source if options.attach else None
        watermark = options.watermark
        relative_links = report.relative_links
        document = HTML(
            string=self.html(report),
            base_url=None if relative_links else self._base_url,
            url_fetcher=self._fetcher,
        )
        attachments = []
        if source is not None and allows_attachments(self.variant):
            stamp = datetime.fromisoformat(report.metadata.date).replace(tzinfo=UTC)
            name, data = source
            attachments.append(
                Attachment(
                    string=data,
                    name=name,
                    description="Source role data this report was made from",
                    relationship="Source",
                    created=stamp,
                    modified=stamp,
                    url_fetcher=self._fetcher,
                )
            )
        stylesheets = self._stylesheets
        if watermark:
            stylesheets = [*stylesheets, self._watermark_css(watermark)]
        pdf: bytes = document.write_pdf(
            stylesheets=stylesheets,
            font_config=self._fonts,
            pdf_variant=self.variant,
            pdf_tags=True,
            custom_metadata=True,
            pdf_identifier=report.metadata.title.encode("utf-8")[:64] or None,
            attachments=attachments,
            finisher=add_table_scopes,
        )
        return pdf

    def _watermark_css(self, text: str) -> CSS:
        """The watermark's page rules, parsed once per text (a batch uses one)."""
        if text not in self._watermarks:
            rules = watermark.css(text, self.brand)
            self._watermarks[text] = CSS(
                string=rules, font_config=self._fonts, url_fetcher=self._fetcher
            )
        return self._watermarks[text]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_messages() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at warning level or above while the block runs.

    WeasyPrint logs, rather than raises, on CSS it cannot use and resources it
    cannot load; this is the one collector of those messages (the stylesheet check
    here, and the tests, use it).
    """
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
