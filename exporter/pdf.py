"""The PDF writer: report outline -> HTML (Jinja2) -> tagged PDF (WeasyPrint).

A :class:`PdfWriter` holds everything that can be reused between documents (the
Jinja2 environment, the font configuration, the parsed stylesheets), so a batch
builds one per process and renders many roles with it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from exporter import __version__
from exporter.brand import Brand
from exporter.chart import layout
from exporter.fetch import LocalAssetFetcher
from exporter.outline import Report
from exporter.paths import STYLES_DIR, TEMPLATES_DIR
from exporter.variants import DEFAULT_VARIANT, allows_attachments


def template_environment() -> Environment:
    """Jinja2 environment for the report templates: always autoescaped, strict."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["kind"] = lambda block: type(block).__name__.lower()
    env.filters["chart_layout"] = layout
    return env


class PdfWriter:
    """Renders reports to PDF bytes with one brand and variant; reuse it for many reports."""

    def __init__(self, brand: Brand, variant: str = DEFAULT_VARIANT) -> None:
        self.brand = brand
        self.variant = variant
        self._env = template_environment()
        self._template = self._env.get_template("report.html")
        self._fetcher = LocalAssetFetcher((TEMPLATES_DIR, STYLES_DIR, *brand.asset_roots))
        self._fonts = FontConfiguration()
        self._stylesheets = [
            CSS(
                filename=str(STYLES_DIR / "report.css"),
                font_config=self._fonts,
                url_fetcher=self._fetcher,
            ),
            CSS(
                string=brand.css_variables(),
                base_url=str(brand.folder) + "/",
                font_config=self._fonts,
                url_fetcher=self._fetcher,
            ),
        ]

    def html(self, report: Report) -> str:
        """The report as an HTML document (what WeasyPrint lays out)."""
        logo = self.brand.logo_path
        return self._template.render(
            report=report,
            brand=self.brand,
            logo_uri=logo.as_uri() if logo else None,
            version=__version__,
        )

    def render(self, report: Report, source: tuple[str, bytes] | None = None) -> bytes:
        """The report as PDF bytes; ``source`` (name, bytes) is embedded as an attachment."""
        document = HTML(
            string=self.html(report),
            base_url=str(TEMPLATES_DIR) + "/",
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
        pdf: bytes = document.write_pdf(
            stylesheets=self._stylesheets,
            font_config=self._fonts,
            pdf_variant=self.variant,
            pdf_tags=True,
            custom_metadata=True,
            pdf_identifier=report.metadata.title.encode("utf-8")[:64] or None,
            attachments=attachments,
        )
        return pdf
