"""Render one role to bytes: the functions a web app or a script calls.

Thread safety: every function here may be called from many threads at once.
WeasyPrint (through Pango, fontconfig and HarfBuzz) is not safe to drive from
several threads, and the cached :class:`~exporter.render.pdf.writer.PdfWriter` shares
one ``FontConfiguration``: PDF renders therefore hold the writer's ``lock``, one
process-wide lock, so threads render PDFs one at a time. A render is CPU-bound
under the GIL anyway, so the lock costs no throughput (see the docs' library
page, "Threads"); for parallel PDFs use processes (``exporter batch`` does). DOCX
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

from exporter.model.brand import Brand, load_brand
from exporter.model.role import Role
from exporter.render import FORMATS, WRITERS, Format, Writer
from exporter.render.docx import DocxOptions
from exporter.render.pdf import PdfOptions
from exporter.render.pdf.variants import DEFAULT_VARIANT, PDF_VARIANTS
from exporter.report.outline import Report, build_report

__all__ = [
    "FORMATS",
    "PDF_VARIANTS",
    "DocxOptions",
    "Format",
    "PdfOptions",
    "RenderOptions",
]


_WRITER_LOCK = threading.Lock()
_BRAND_LOCK = threading.Lock()


def default_brand() -> Brand:
    """The bundled brand, loaded once."""
    with _BRAND_LOCK:
        return _default_brand()


@cache
def _default_brand() -> Brand:
    return load_brand()


#: A format's options: :class:`PdfOptions` or :class:`DocxOptions`.
FormatOptions = PdfOptions | DocxOptions


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the role that decides the output bytes: the brand, and each
    format's own options."""

    brand: Brand = field(default_factory=default_brand)
    pdf: PdfOptions = field(default_factory=PdfOptions)
    docx: DocxOptions = field(default_factory=DocxOptions)

    def of(self, fmt: Format) -> FormatOptions:
        """The options of one format."""
        options: dict[Format, FormatOptions] = {"pdf": self.pdf, "docx": self.docx}
        return options[fmt]

    def check(self, formats: tuple[Format, ...] = ("docx",)) -> RenderOptions:
        """Load what can fail before any role renders: each format's options and writer.

        Writers are only built for ``formats`` (importing WeasyPrint is slow).
        """
        self.pdf.check()  # templates compile, the variant and watermark are valid
        for fmt in formats:
            writer(fmt, self.brand, self.of(fmt))
        return self


def writer(fmt: Format, brand: Brand, options: FormatOptions) -> Writer:
    """A cached writer per format, brand and options: the options checked, fonts,
    stylesheets and styles loaded once. Render with it while holding its ``lock``."""
    with _WRITER_LOCK:
        return _writer(fmt, brand, options)


@cache
def _writer(fmt: Format, brand: Brand, options: FormatOptions) -> Writer:
    if fmt not in WRITERS:
        from exporter.errors import RenderError

        raise RenderError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
    options.check()  # once per writer: a bad option is an error, and is never cached
    factory = WRITERS[fmt]()
    with factory.lock:  # building a PDF writer drives WeasyPrint too
        return factory(brand, options)


# Drop cached writers while the interpreter is whole: WeasyPrint's FontConfiguration
# cleans up temporary font files in __del__, which fails once modules are torn down.
atexit.register(_writer.cache_clear)


def clear_caches() -> None:
    """Forget the cached brand, writers and compiled templates of this process.

    The next render reads brand, stylesheets, templates and Word reference anew
    (what ``exporter preview`` does after a file changed).
    """
    from exporter.render.pdf.html import report_template

    _writer.cache_clear()
    _default_brand.cache_clear()
    report_template.cache_clear()


def render_report(report: Report, fmt: Format, options: RenderOptions) -> bytes:
    """A report outline in one format as bytes."""
    chosen = options.of(fmt)
    made = writer(fmt, options.brand, chosen)  # the options are checked when it is built
    with made.lock:
        return made.render(report, chosen)


def render(role: Role, fmt: Format, options: RenderOptions) -> bytes:
    """One role in one format as bytes."""
    return render_report(build_report(role, options.brand), fmt, options)


def render_overview(roles: Sequence[Role], fmt: Format, options: RenderOptions) -> bytes:
    """One document for all ``roles`` in one format (see :mod:`exporter.report.overview`).

    Its links to each role's own files are relative, so it belongs in the folder
    ``exporter batch`` wrote them to.
    """
    from exporter.errors import RenderError
    from exporter.report.overview import build_overview

    if not roles:
        raise RenderError("no roles for the overview")
    return render_report(build_overview(roles, options.brand), fmt, options)


def report_for(role: Role, brand: Brand | None = None) -> Report:
    """The format-neutral outline of a role's report."""
    return build_report(role, brand or default_brand())


def font_warnings(role: Role, brand: Brand | None = None) -> list[str]:
    """Fields of the role with characters no font of the brand's stack can draw."""
    from exporter.fonts.faces import coverage_warnings

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
    pdf = PdfOptions(variant, attach, templates, watermark)
    return render(role, "pdf", RenderOptions(brand or default_brand(), pdf=pdf))


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
    docx = DocxOptions(template, embed_fonts, watermark)
    return render(role, "docx", RenderOptions(brand or default_brand(), docx=docx))


def write_reference_docx(out: Path, brand_file: Path | None = None) -> None:
    """Write the reference document (every style the briefing uses) for a brand to ``out``."""
    from exporter.files import write_atomic
    from exporter.render.docx.styles import reference_docx

    write_atomic(out, reference_docx(load_brand(brand_file)))
