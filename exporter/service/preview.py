"""``exporter preview``: the brand author's loop, one role rendered live in a browser.

The page shows the role's PDF as WeasyPrint lays it out and its DOCX as
LibreOffice lays it out (when ``soffice`` is installed), page by page as PNG
images drawn by PDFium (pypdfium2). A watcher (:mod:`watchfiles`) follows the role
file, the brand file and every file it names, the bundled and the operator's
templates, ``styles/`` and the Word reference; on a change the role is rendered
again and the page reloads itself through server-sent events (``/events``).

Same code path as ``exporter render``: the render is
:func:`exporter.batch.workers.render_job` with the command's
:class:`~exporter.batch.settings.RenderSettings`, so ``/report.pdf`` and
``/report.docx`` are byte for byte what ``render`` writes. It runs in one warm
worker process (``spawn``), which drops the exporter's cached writers, brand and
templates before each render (:func:`_forget`). Measured on the 3-page fixture
report (render plus page images): about 0.56 s a change in the warm worker,
about 1.6 s with a fresh process per change (WeasyPrint's import and font
loading every time); the worker also keeps the server's event loop free. A
worker that dies is replaced.

A mistake (a template syntax error, a stylesheet declaration WeasyPrint ignores,
a brand value that fails validation, a missing Word style, a broken role file)
is shown in the page with the file and line or key its error names; the last
good render stays beside it. Decisions where the issue is silent:

- the PDF column updates first; the DOCX column follows when LibreOffice has
  converted it (about a second later), each with its own reload;
- WeasyPrint messages logged while the report itself renders (not only while the
  stylesheets load) are shown as warnings, next to the CLI's font and
  character-policy warnings;
- ``--port 0`` picks a free port before the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import multiprocessing
import shutil
import tempfile
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from exporter.api import FORMATS
from exporter.engine.settings import Settings as RenderSettings
from exporter.engine.settings import referenced_files, role_hash
from exporter.errors import ExporterError
from exporter.model.brand import DEFAULT_BRAND
from exporter.resources import STYLES_DIR, TEMPLATES_DIR

#: Resolution of the page images (dots per inch): an A4 page is about 500 x 700 pixels.
PAGE_DPI = 60

#: Seconds LibreOffice may take before the preview gives up on it.
CONVERT_SECONDS = 60.0

#: Milliseconds the watcher waits for a burst of saves to settle.
DEBOUNCE_MS = 300


@dataclass(frozen=True)
class Outcome:
    """One render in the worker: the files and their PDF pages, or the error."""

    files: dict[str, bytes] = field(default_factory=dict)
    pdf_pages: tuple[bytes, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0


@dataclass
class State:
    """What the page shows: the last good render, and the latest error if any."""

    generation: int = 0  # bumped on every change of what the page shows
    files: dict[str, bytes] = field(default_factory=dict)
    pdf_pages: tuple[bytes, ...] = ()
    docx_pages: tuple[bytes, ...] = ()
    docx_note: str = ""
    warnings: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    rendered: bool = False  # the first render has finished (well or not)


def _forget() -> None:
    """Drop every cached brand, writer and template so the next render reads the files anew."""
    from exporter.engine.jobs import reset_worker

    reset_worker()


def render_preview(settings: RenderSettings, role_path: Path) -> Outcome:
    """Render the role as ``exporter render`` would, in a worker; never raises for a mistake."""
    from exporter.engine.jobs import Job, render_job
    from exporter.model.rolefile import load_role_checked
    from exporter.render.pdf.writer import weasyprint_messages

    started = time.perf_counter()
    _forget()
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


def watched_files(settings: RenderSettings, role_path: Path) -> tuple[set[Path], set[Path]]:
    """(files, folders) whose change means a new render: folders count everything under them."""
    brand_file = (settings.brand_file or DEFAULT_BRAND).resolve()
    files = {role_path.resolve(), brand_file}
    with contextlib.suppress(ExporterError):
        files |= referenced_files(settings.load_brand(), brand_file.parent)
    if settings.docx_template is not None:
        files.add(settings.docx_template.resolve())
    folders = {TEMPLATES_DIR.resolve(), STYLES_DIR.resolve()}
    if settings.templates_dir is not None:
        folders.add(settings.templates_dir.resolve())
    return files, folders


def _concerns(path: Path, files: set[Path], folders: set[Path]) -> bool:
    if "__pycache__" in path.parts:
        return False
    return path in files or any(path.is_relative_to(folder) for folder in folders)


def _roots(files: Iterable[Path], folders: Iterable[Path]) -> list[Path]:
    """The folders to watch: each file's folder (editors replace files) and each tree."""
    roots = {path.parent for path in files} | set(folders)
    return sorted(root for root in roots if root.is_dir())


class Preview:
    """The preview's state, its render loop and its watcher (use from one event loop)."""

    def __init__(self, settings: RenderSettings, role_path: Path) -> None:
        self.settings = replace(settings, formats=FORMATS)
        self.role_path = role_path
        self.state = State()
        self.changed = asyncio.Event()  # replaced on every change: waiters see one set
        self._dirty = asyncio.Event()
        self._stop = asyncio.Event()
        self._executor: ProcessPoolExecutor | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._profile = Path(tempfile.mkdtemp(prefix="exporter-preview-soffice-"))

    async def start(self) -> None:
        self._executor = _executor()
        self._dirty.set()
        self._tasks = [
            asyncio.create_task(self._render_loop()),
            asyncio.create_task(self._watch_loop()),
        ]

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _publish(self) -> None:
        self.state.generation += 1
        self.changed.set()
        self.changed = asyncio.Event()

    async def _render_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            outcome = await self._render()
            state = self.state
            state.rendered = True
            state.warnings = outcome.warnings
            state.error = outcome.error
            state.seconds = outcome.seconds
            if outcome.error is None:
                state.files = outcome.files
                state.pdf_pages = outcome.pdf_pages
                state.docx_note = "LibreOffice is laying out the DOCX…" if soffice() else ""
            self._publish()
            if outcome.error is None:
                await self._docx_pages(outcome.files["docx"])

    async def _docx_pages(self, docx: bytes) -> None:
        if soffice() is None:
            self.state.docx_pages = ()
            self.state.docx_note = (
                "LibreOffice is not installed here, so the DOCX is not shown "
                "(Debian: apt-get install libreoffice-writer-nogui); download it below."
            )
            self._publish()
            return
        try:
            pages = await docx_page_images(docx, self._profile)
        except ExporterError as exc:
            self.state.docx_note = str(exc)
        else:
            if self.state.files.get("docx") is not docx:
                return  # a newer render came meanwhile; its own conversion follows
            self.state.docx_pages = pages
            self.state.docx_note = ""
        self._publish()

    async def _render(self) -> Outcome:
        loop = asyncio.get_running_loop()
        for _ in range(2):  # a dead worker is replaced once per render
            assert self._executor is not None
            future = self._executor.submit(render_preview, self.settings, self.role_path)
            try:
                return await asyncio.wrap_future(future, loop=loop)
            except BrokenExecutor:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = _executor()
        return Outcome(error=f"{self.role_path}: the render worker died twice in a row")

    async def _watch_loop(self) -> None:
        from watchfiles import awatch

        while not self._stop.is_set():
            files, folders = watched_files(self.settings, self.role_path)
            roots = _roots(files, folders)

            def wanted(
                change: object, path: str, files: set[Path] = files, folders: set[Path] = folders
            ) -> bool:
                return _concerns(Path(path).resolve(), files, folders)

            async for _ in awatch(
                *roots,
                watch_filter=wanted,
                debounce=DEBOUNCE_MS,
                step=50,
                stop_event=self._stop,
            ):
                self._dirty.set()
                if watched_files(self.settings, self.role_path) != (files, folders):
                    break  # the brand names other files now: watch those


def _executor() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def create_preview_app(
    settings: RenderSettings, role_path: Path, *, open_url: str = ""
) -> Starlette:
    """The preview's web application for one role file."""
    preview = Preview(settings, role_path)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await preview.start()
        if open_url:
            asyncio.get_running_loop().run_in_executor(None, webbrowser.open, open_url)
        try:
            yield
        finally:
            await preview.stop()

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(page(preview.state, role_path), headers=_NO_STORE)

    async def state(request: Request) -> JSONResponse:
        s = preview.state
        return JSONResponse(
            {
                "generation": s.generation,
                "rendered": s.rendered,
                "error": s.error,
                "warnings": list(s.warnings),
                "pdf_pages": len(s.pdf_pages),
                "docx_pages": len(s.docx_pages),
                "docx_note": s.docx_note,
                "seconds": round(s.seconds, 3),
            },
            headers=_NO_STORE,
        )

    async def ready(request: Request) -> Response:
        return Response(status_code=200 if preview.state.rendered else 503)

    async def report(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        data = preview.state.files.get(fmt)
        if data is None:
            return Response("not rendered", status_code=404)
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=_NO_STORE)

    async def image(request: Request) -> Response:
        kind, number = request.path_params["kind"], request.path_params["number"]
        pages = preview.state.pdf_pages if kind == "pdf" else preview.state.docx_pages
        if kind not in ("pdf", "docx") or not 1 <= number <= len(pages):
            return Response("no such page", status_code=404)
        return Response(pages[number - 1], media_type="image/png", headers=_NO_STORE)

    async def events(request: Request) -> StreamingResponse:
        # ``since``: the generation the page shows, so a change made while it loaded still counts.
        try:
            since = int(request.query_params.get("since", ""))
        except ValueError:
            since = preview.state.generation

        async def stream() -> AsyncIterator[str]:
            seen = since
            yield f"retry: 500\nevent: hello\ndata: {seen}\n\n"
            while True:
                changed = preview.changed
                if preview.state.generation == seen:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 15)
                if preview.state.generation == seen:
                    yield ": keep-alive\n\n"
                    continue
                seen = preview.state.generation
                yield f"event: reload\ndata: {seen}\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/state.json", state),
            Route("/readyz", ready),
            Route("/events", events),
            Route("/report.{fmt:str}", report),
            Route("/page/{kind:str}/{generation:int}/{number:int}.png", image),
        ],
        lifespan=lifespan,
    )


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_NO_STORE = {"Cache-Control": "no-store"}


def page(state: State, role_path: Path) -> str:
    """The preview page: messages, then the PDF and DOCX pages side by side."""
    esc = html.escape
    gen = state.generation
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>Preview: {esc(role_path.name)}</title>",
        "<style>body{font-family:sans-serif;margin:1rem;background:#f4f4f4}"
        ".cols{display:flex;gap:1rem;align-items:flex-start}.col{flex:1}"
        ".col img{display:block;width:100%;max-width:520px;margin:0 0 .75rem;"
        "box-shadow:0 1px 4px #0004;background:#fff}"
        ".error{background:#fde8e8;border:1px solid #b42318;padding:.75rem;white-space:pre-wrap}"
        ".warnings{background:#fff7e0;border:1px solid #b54708;padding:.5rem 1.5rem}"
        "</style></head>",
        f'<body data-generation="{gen}">',
        f"<h1>Preview: {esc(str(role_path))}</h1>",
    ]
    if not state.rendered:
        parts.append('<p id="status">Rendering…</p>')
    else:
        parts.append(
            f'<p id="status">Rendered in {state.seconds:.2f} s. '
            '<a href="/report.pdf">PDF</a> · <a href="/report.docx">DOCX</a></p>'
        )
    if state.error:
        shown = " (the last good render is shown below)" if state.files else ""
        parts.append(
            f'<div class="error" id="error" role="alert"><strong>Error{shown}:</strong>\n'
            f"{esc(state.error)}</div>"
        )
    if state.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in state.warnings)
        parts.append(f'<ul class="warnings" id="warnings" aria-label="Warnings">{items}</ul>')
    parts.append('<div class="cols"><section class="col" id="pdf"><h2>PDF (WeasyPrint)</h2>')
    for n in range(1, len(state.pdf_pages) + 1):
        parts.append(
            f'<img src="/page/pdf/{gen}/{n}.png" alt="PDF page {n} of {len(state.pdf_pages)}">'
        )
    parts.append('</section><section class="col" id="docx"><h2>DOCX (LibreOffice)</h2>')
    if state.docx_note:
        parts.append(f'<p id="docx-note">{esc(state.docx_note)}</p>')
    for n in range(1, len(state.docx_pages) + 1):
        parts.append(
            f'<img src="/page/docx/{gen}/{n}.png" alt="DOCX page {n} of {len(state.docx_pages)}">'
        )
    parts.append(
        "</section></div><script>"
        f"const source=new EventSource('/events?since={gen}');"
        "source.addEventListener('reload',()=>location.reload());"
        "</script></body></html>"
    )
    return "".join(parts)


def serve_preview(
    settings: RenderSettings, role_path: Path, host: str, port: int, open_browser: bool
) -> None:
    """Run the preview until Ctrl-C or SIGTERM."""
    import socket

    from exporter.service.server import run

    if port == 0:  # pick one now, so that --open knows it
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    url = f"http://{host}:{port}/"
    app = create_preview_app(settings, role_path, open_url=url if open_browser else "")
    run(app, host, port, graceful_seconds=1)
