"""The preview's renders: the role as ``exporter render`` makes it, and its pages as images.

:func:`render_preview` runs in the preview's one warm worker process (see
:func:`new_executor`); it drops the exporter's cached writers, brand and templates
before each render so every render reads the files anew. The engine's job type
and job function are imported here and nowhere else in the preview.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# The render engine: the one line to change when the jobs move.
from exporter.engine.jobs import Job, render_job, reset_worker
from exporter.engine.settings import Settings, role_hash
from exporter.errors import ExporterError

#: Resolution of the page images (dots per inch): an A4 page is about 500 x 700 pixels.
PAGE_DPI = 60

#: Seconds LibreOffice may take before the preview gives up on it.
CONVERT_SECONDS = 60.0


@dataclass(frozen=True)
class Outcome:
    """One render in the worker: the files and their PDF pages, or the error."""

    files: dict[str, bytes] = field(default_factory=dict)
    pdf_pages: tuple[bytes, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0


def new_executor() -> ProcessPoolExecutor:
    """The preview's worker: one process, started fresh (``spawn``)."""
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def render_preview(settings: Settings, role_path: Path) -> Outcome:
    """Render the role as ``exporter render`` would, in a worker; never raises for a mistake."""
    from exporter.model.rolefile import load_role_checked
    from exporter.render.pdf.writer import weasyprint_messages

    started = time.perf_counter()
    reset_worker()  # every cached brand, writer and template: read the files anew
    try:
        loaded = load_role_checked(role_path)
        settings.check()
        fingerprint = settings.fingerprint()
    except ExporterError as exc:
        return Outcome(error=str(exc), seconds=time.perf_counter() - started)
    source_hash = role_hash(fingerprint, role_path.read_bytes())
    with weasyprint_messages() as logged:
        result = render_job(Job(loaded.role, str(role_path), source_hash, settings))
    # WeasyPrint names no file for CSS inside the HTML, and counts lines from the <style>.
    css = (f"WeasyPrint, in the HTML the templates make: {message}" for message in logged)
    warnings = (*(str(w) for w in loaded.warnings), *result.warnings, *css)
    if result.error is not None:
        return Outcome(warnings=warnings, error=result.error, seconds=time.perf_counter() - started)
    files: dict[str, bytes] = {f.format: f.data for f in result.files}
    try:
        pages = page_images(files["pdf"])
    except ExporterError as exc:
        return Outcome(warnings=warnings, error=str(exc), seconds=time.perf_counter() - started)
    return Outcome(files, pages, warnings, None, time.perf_counter() - started)


def page_images(pdf: bytes, dpi: int = PAGE_DPI) -> tuple[bytes, ...]:
    """Each page of a PDF as PNG bytes (PDFium through pypdfium2).

    PDFium draws a 3-page report in about 50 ms where ``pdftoppm`` takes about
    0.5 s (most of it the process starting), which matters for the ~1 s goal.
    """
    import pypdfium2

    images = []
    with _PDFIUM_LOCK:  # PDFium is not thread-safe
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as exc:
            raise ExporterError(f"the PDF could not be read back for the preview: {exc}") from None
        try:
            for index in range(len(document)):
                page = document[index]
                bitmap = page.render(scale=dpi / 72)
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, "PNG")
                images.append(buffer.getvalue())
                bitmap.close()
                page.close()
        finally:
            document.close()
    return tuple(images)


_PDFIUM_LOCK = threading.Lock()


def soffice() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


async def docx_page_images(docx: bytes, profile: Path) -> tuple[bytes, ...]:
    """The DOCX as LibreOffice lays it out: converted to PDF headless, then page images."""
    command = soffice()
    if command is None:
        raise ExporterError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="exporter-preview-") as tmp:
        source = Path(tmp) / "report.docx"
        source.write_bytes(docx)
        process = await asyncio.create_subprocess_exec(
            command,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(source),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), CONVERT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ExporterError("LibreOffice did not convert the DOCX in time") from None
        converted = Path(tmp) / "report.pdf"
        if process.returncode != 0 or not converted.is_file():
            raise ExporterError(f"LibreOffice failed: {stderr.decode(errors='replace')}")
        return await asyncio.to_thread(page_images, converted.read_bytes())
