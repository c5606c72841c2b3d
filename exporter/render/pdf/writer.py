"""The PDF writer: report outline -> HTML (Jinja2) -> tagged PDF (WeasyPrint).

A :class:`PdfWriter` holds everything that can be reused between documents (the
Jinja2 environment, the font configuration, the parsed stylesheets, the section
pages it has seen), so a batch builds one per process and renders many roles with
it. The contents' page numbers are printed as text and the document is laid out
once when they were predicted right (see :mod:`exporter.render.pdf.contents`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import exporter.render.pdf.libraries  # noqa: F401  (first: WeasyPrint's quick import)

# isort: split
from weasyprint import CSS, HTML, Attachment
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from exporter.errors import BrandError
from exporter.model.brand import Brand
from exporter.render import watermark
from exporter.render.docx.measure import Metrics, metrics_for
from exporter.render.docx.pages import PAGE_SIZES, layout
from exporter.render.pdf import PdfOptions
from exporter.render.pdf.contents import PagePredictor, SectionPages, section_starts
from exporter.render.pdf.css import brand_css
from exporter.render.pdf.fetch import LocalAssetFetcher
from exporter.render.pdf.html import render_html, template_folders
from exporter.render.pdf.tagging import add_table_scopes
from exporter.render.pdf.variants import allows_attachments
from exporter.report.outline import Report
from exporter.resources import STYLES_DIR

#: Held while WeasyPrint runs: one PDF render at a time per process (it is not thread-safe).
PDF_LOCK = threading.RLock()

#: Layouts at most per report: the predicted contents' pages, then the found ones
#: (a third only if a template makes the numbers move the content).
MAX_LAYOUTS = 3


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
        self._predictor = PagePredictor(self._first_guess)
        self._metrics: Metrics | None = None
        #: where the sections of the last report laid out start (section id -> page)
        self.last_section_pages: SectionPages = {}
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

    def html(self, report: Report, toc_pages: SectionPages | None = None) -> str:
        """The report as an HTML document (what WeasyPrint lays out); ``toc_pages``
        prints the contents' page numbers as text (else CSS asks for them)."""
        return render_html(report, self.brand, self.templates, toc_pages)

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
        settings = self._settings(report, options or PdfOptions())
        document, _ = self._lay_out(report, settings)
        pdf: bytes = document.write_pdf(**settings, finisher=add_table_scopes)
        return pdf

    def _first_guess(self, report: Report) -> dict[str, int]:
        """Where the sections start by the layout the DOCX is paginated with (measured
        lines, the stylesheet's sizes): right far more often than a length estimate."""
        if self._metrics is None:
            self._metrics = metrics_for(self.brand.faces, self.brand.fonts.body)
        starts = layout(report, self._metrics, PAGE_SIZES[self.brand.page_size]).section_pages
        return {section.id: page for section, page in zip(report.sections, starts, strict=True)}

    def section_pages(self, report: Report, options: PdfOptions | None = None) -> SectionPages:
        """Where each section of ``report`` starts in its PDF (section id -> page, from 1)."""
        return self._lay_out(report, self._settings(report, options or PdfOptions()))[1]

    def _lay_out(self, report: Report, settings: dict[str, Any]) -> tuple[Document, SectionPages]:
        """The laid-out document whose contents print the pages where sections start.

        One layout when the predicted pages are right, another when they were not
        (the numbers are placed absolutely, so the second one is right).
        """
        ids = [section.id for section in report.sections]
        pages = self._predictor.predict(report)
        base_url = None if report.relative_links else self._base_url
        for _ in range(MAX_LAYOUTS):
            html = HTML(
                string=self.html(report, pages), base_url=base_url, url_fetcher=self._fetcher
            )
            document = html.render(font_config=self._fonts, **settings)
            found = section_starts(document.pages, ids)
            if all(pages.get(name) == page for name, page in found.items()):
                break
            pages = found
        self._predictor.learn(report, found)
        self.last_section_pages = found
        return document, found

    def _settings(self, report: Report, options: PdfOptions) -> dict[str, Any]:
        """WeasyPrint's options for ``report``: stylesheets, variant, tags, attachment.

        No file identifier (``/ID``) is asked for: PDF/UA does not require one and
        writing it makes pydyf serialise every object twice (about 7% of a render).
        The PDF/A and PDF/X variants, which require it, get WeasyPrint's own: a hash
        of the content, so the bytes stay the same from run to run.
        """
        attachments = []
        if options.attach and report.source is not None and allows_attachments(self.variant):
            stamp = datetime.fromisoformat(report.metadata.date).replace(tzinfo=UTC)
            name, data = report.source
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
        if options.watermark:
            stylesheets = [*stylesheets, self._watermark_css(options.watermark)]
        return {
            "stylesheets": stylesheets,
            "pdf_variant": self.variant,
            "pdf_tags": True,
            "custom_metadata": True,
            "attachments": attachments,
        }

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
