"""Render one role to bytes: the functions a web app or a script calls.

Thread safety: every function here may be called from many threads at once.
WeasyPrint (through Pango, fontconfig and HarfBuzz) is not safe to drive from
several threads, and the cached :class:`~exporter.render.pdf.PdfWriter` shares
one ``FontConfiguration``: PDF renders therefore take one process-wide lock
(:data:`PDF_LOCK`), so threads render PDFs one at a time. A render is CPU-bound
under the GIL anyway, so the lock costs no throughput (see the README,
"Threads"); for parallel PDFs use processes (``exporter batch`` does). DOCX
renders build a fresh document each time and run concurrently; only creating
the cached writers is locked, so each cache holds exactly one writer.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from exporter.model.brand import Brand, load_brand
from exporter.model.role import Role
from exporter.model.rolefile import role_json
from exporter.render.variants import DEFAULT_VARIANT, PDF_VARIANTS
from exporter.report.outline import Report, build_report

if TYPE_CHECKING:
    from exporter.render.pdf import PdfWriter
    from exporter.render.word import DocxWriter


#: The formats a role renders to.
Format = Literal["pdf", "docx"]
FORMATS: tuple[Format, ...] = get_args(Format)


#: Held while WeasyPrint runs: one PDF render at a time per process.
PDF_LOCK = threading.RLock()
_DOCX_WRITER_LOCK = threading.Lock()
_BRAND_LOCK = threading.Lock()


def default_brand() -> Brand:
    """The bundled brand, loaded once."""
    with _BRAND_LOCK:
        return _default_brand()


@cache
def _default_brand() -> Brand:
    return load_brand()


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the role that decides the output bytes."""

    brand: Brand = field(default_factory=default_brand)
    pdf_variant: str = DEFAULT_VARIANT
    attach: bool = True
    docx_template: Path | None = None
    templates: Path | None = None  #: an operator's templates, searched before the bundled ones
    embed_fonts: bool = True  #: embed the brand's fonts in the DOCX (see render.docx_fonts)
    watermark: str = ""  #: text on every page of both formats (see render.watermark)

    def check(self, formats: tuple[Format, ...] = ("docx",)) -> RenderOptions:
        """Load what can fail before any role renders: templates, and each format's writer.

        The PDF writer (which parses the stylesheets) is only built when ``formats``
        asks for it, since importing WeasyPrint is slow.
        """
        from exporter.render.html import report_template

        _require_variant(self.pdf_variant)
        if self.watermark:
            from exporter.render.watermark import check

            check(self.watermark)
        report_template(self.templates)  # every template compiles
        if "docx" in formats:
            docx_writer(self.brand, self.docx_template, self.embed_fonts)
        if "pdf" in formats:
            pdf_writer(self.brand, self.pdf_variant, self.templates)
        return self


def pdf_writer(
    brand: Brand, variant: str = DEFAULT_VARIANT, templates: Path | None = None
) -> PdfWriter:
    """A cached writer per brand, variant and templates: fonts and stylesheets parsed once.

    Use it only while holding :data:`PDF_LOCK` if other threads may render.
    """
    with PDF_LOCK:
        return _pdf_writer(brand, variant, templates)


@cache
def _pdf_writer(brand: Brand, variant: str, templates: Path | None) -> PdfWriter:
    from exporter.render.pdf import PdfWriter

    return PdfWriter(brand, variant, templates)


# Drop cached writers while the interpreter is whole: WeasyPrint's FontConfiguration
# cleans up temporary font files in __del__, which fails once modules are torn down.
atexit.register(_pdf_writer.cache_clear)


def clear_caches() -> None:
    """Forget the cached brand, writers and compiled templates of this process.

    The next render reads brand, stylesheets, templates and Word reference anew
    (what ``exporter preview`` does after a file changed).
    """
    from exporter.render.html import report_template

    _pdf_writer.cache_clear()
    _docx_writer.cache_clear()
    _default_brand.cache_clear()
    report_template.cache_clear()


def docx_writer(brand: Brand, template: Path | None = None, embed_fonts: bool = True) -> DocxWriter:
    """A cached writer per brand, reference document and font embedding: styles checked once."""
    with _DOCX_WRITER_LOCK:
        return _docx_writer(brand, template, embed_fonts)


@cache
def _docx_writer(brand: Brand, template: Path | None, embed_fonts: bool) -> DocxWriter:
    from exporter.render.word import DocxWriter

    return DocxWriter(brand, template, embed_fonts)


def render(role: Role, fmt: Format, options: RenderOptions) -> bytes:
    """One role in one format as bytes."""
    if fmt == "pdf":
        return render_pdf(
            role,
            options.brand,
            options.pdf_variant,
            options.attach,
            options.templates,
            watermark=options.watermark,
        )
    if fmt == "docx":
        return render_docx(
            role,
            options.brand,
            options.docx_template,
            embed_fonts=options.embed_fonts,
            watermark=options.watermark,
        )
    from exporter.errors import RenderError

    raise RenderError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")


def render_overview(roles: Sequence[Role], fmt: Format, options: RenderOptions) -> bytes:
    """One document for all ``roles`` in one format (see :mod:`exporter.report.overview`).

    Its links to each role's own files are relative, so it belongs in the folder
    ``exporter batch`` wrote them to.
    """
    from exporter.errors import RenderError
    from exporter.report.overview import build_overview

    if not roles:
        raise RenderError("no roles for the overview")
    report = build_overview(roles, options.brand)
    if fmt == "pdf":
        _require_variant(options.pdf_variant)
        with PDF_LOCK:
            writer = pdf_writer(options.brand, options.pdf_variant, options.templates)
            return writer.render(report, None, options.watermark, relative_links=True)
    if fmt == "docx":
        writer_docx = docx_writer(options.brand, options.docx_template, options.embed_fonts)
        return writer_docx.render(report, options.watermark)
    raise RenderError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")


def _require_variant(variant: str) -> None:
    from exporter.errors import RenderError

    if variant not in PDF_VARIANTS:
        raise RenderError(f"unknown PDF variant {variant!r}; one of: {', '.join(PDF_VARIANTS)}")


def report_for(role: Role, brand: Brand | None = None) -> Report:
    """The format-neutral outline of a role's report."""
    return build_report(role, brand or default_brand())


def font_warnings(role: Role, brand: Brand | None = None) -> list[str]:
    """Fields of the role with characters no font of the brand's stack can draw."""
    from exporter.model.fonts import coverage_warnings

    brand = brand or default_brand()
    return coverage_warnings(role.model_dump(mode="json"), brand.faces)


def render_pdf(
    role: Role,
    brand: Brand | None = None,
    variant: str = DEFAULT_VARIANT,
    attach: bool = True,
    templates: Path | None = None,
    *,
    watermark: str = "",
) -> bytes:
    """The role's branded report as PDF bytes.

    Tagged PDF/UA-1 unless ``variant`` names another of :data:`PDF_VARIANTS`. The
    role's data is embedded as ``<slug>.json`` (canonical JSON that loads back
    equal) unless ``attach`` is false or the variant forbids attachments.
    ``templates`` is an operator's folder of templates, searched before the
    bundled ones (a file there replaces the bundled file of the same name).
    ``watermark`` is drawn on every page, behind the content.
    """
    _require_variant(variant)
    brand = brand or default_brand()
    source = (f"{role.slug}.json", role_json(role)) if attach else None
    report = build_report(role, brand)
    with PDF_LOCK:  # WeasyPrint is not thread-safe: see the module doc
        return pdf_writer(brand, variant, templates).render(report, source, watermark)


def render_docx(
    role: Role,
    brand: Brand | None = None,
    template: Path | None = None,
    *,
    embed_fonts: bool = True,
    watermark: str = "",
) -> bytes:
    """The role's briefing as DOCX bytes, reproducible byte for byte.

    ``template`` is an organisation's reference document: its styles are used as
    they are (the brand then only supplies names, footer and logo). The brand's
    fonts are embedded (subset, obfuscated) unless ``embed_fonts`` is false;
    ``watermark`` puts Word's own watermark shape in the header of every page.
    """
    brand = brand or default_brand()
    writer = docx_writer(brand, template, embed_fonts)
    return writer.render(build_report(role, brand), watermark)


def write_reference_docx(out: Path, brand_file: Path | None = None) -> None:
    """Write the reference document (every style the briefing uses) for a brand to ``out``."""
    from exporter.files import write_atomic
    from exporter.render.docx_styles import reference_docx

    write_atomic(out, reference_docx(load_brand(brand_file)))
