"""``exporter preview``: the brand author's loop, one role rendered live in a browser.

The page shows the role's PDF as WeasyPrint lays it out and its DOCX as
LibreOffice lays it out (when ``soffice`` is installed), page by page as PNG
images drawn by PDFium (pypdfium2). A watcher (:mod:`watchfiles`) follows the role
file, the brand file and every file it names, the bundled and the operator's
templates, ``styles/`` and the Word reference; on a change the role is rendered
again and the page reloads itself through server-sent events (``/events``).

Same code path as ``exporter render``: the render is
:func:`exporter.engine.jobs.render_job` with the command's
:class:`~exporter.engine.settings.Settings`, so ``/report.pdf`` and
``/report.docx`` are byte for byte what ``render`` writes. It runs in one warm
worker process (``spawn``), which drops the exporter's cached writers, brand and
templates before each render. Measured on the 3-page fixture
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

The parts: :mod:`~exporter.service.preview_render` (the render and the page
images), :mod:`~exporter.service.preview_watch` (what is watched),
:mod:`~exporter.service.preview_page` (what the page shows); this module holds the
loop that ties them and the web application. Requests pass
:class:`~exporter.service.guard.RequestGuard` (the Host rule, the page's CSP).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import webbrowser
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from exporter.api import FORMATS
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.service.guard import RequestGuard, default_hosts
from exporter.service.pages import asset_response
from exporter.service.preview_page import State, page, state_json
from exporter.service.preview_render import (
    Outcome,
    docx_page_images,
    new_executor,
    render_preview,
    soffice,
)
from exporter.service.preview_watch import watch

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_NO_STORE = {"Cache-Control": "no-store"}

#: Digits a page number may have (no report has a million pages).
_MAX_PAGE_DIGITS = 6

NO_LIBREOFFICE = (
    "LibreOffice is not installed here, so the DOCX is not shown "
    "(Debian: apt-get install libreoffice-writer-nogui); download it below."
)


class Preview:
    """The preview's state, its render loop and its watcher (use from one event loop)."""

    def __init__(self, settings: Settings, role_path: Path) -> None:
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
        self._executor = new_executor()
        self._dirty.set()
        self._tasks = [
            asyncio.create_task(self._render_loop()),
            asyncio.create_task(watch(self.settings, self.role_path, self._stop, self._dirty.set)),
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
            self.state.docx_note = NO_LIBREOFFICE
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
                self._executor = new_executor()
        return Outcome(error=f"{self.role_path}: the render worker died twice in a row")


class PreviewPages:
    """The preview's handlers, one method per route."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview

    def routes(self) -> list[Route]:
        return [
            Route("/", self.index),
            Route("/assets/{name}", self.asset),
            Route("/state.json", self.state),
            Route("/readyz", self.ready),
            Route("/events", self.events),
            Route("/report.{fmt:str}", self.report),
            Route("/page/{kind:str}/{generation:str}/{number:str}.png", self.image),
        ]

    async def index(self, request: Request) -> Response:
        return HTMLResponse(page(self.preview.state, self.preview.role_path), headers=_NO_STORE)

    async def asset(self, request: Request) -> Response:
        found = asset_response(request.path_params["name"])
        return found or Response("no such file", status_code=404)

    async def state(self, request: Request) -> Response:
        return JSONResponse(state_json(self.preview.state), headers=_NO_STORE)

    async def ready(self, request: Request) -> Response:
        return Response(status_code=200 if self.preview.state.rendered else 503)

    async def report(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        data = self.preview.state.files.get(fmt)
        if data is None:
            return Response("not rendered", status_code=404)
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=_NO_STORE)

    async def image(self, request: Request) -> Response:
        kind, number = request.path_params["kind"], _page_number(request.path_params["number"])
        state = self.preview.state
        pages = state.pdf_pages if kind == "pdf" else state.docx_pages
        if kind not in ("pdf", "docx") or not 1 <= number <= len(pages):
            return Response("no such page", status_code=404)
        return Response(pages[number - 1], media_type="image/png", headers=_NO_STORE)

    async def events(self, request: Request) -> StreamingResponse:
        """Server-sent events: ``reload`` whenever the page would show something new."""
        # ``since``: the generation the page shows, so a change made while it loaded still counts.
        given = request.query_params.get("since", "")
        since = int(given) if _page_number(given) >= 0 else self.preview.state.generation
        return StreamingResponse(
            self._stream(since), media_type="text/event-stream", headers=_NO_STORE
        )

    async def _stream(self, seen: int) -> AsyncIterator[str]:
        preview = self.preview
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


def _page_number(text: str) -> int:
    """A small number from its digits, or -1 (never a huge int from a hostile URL)."""
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_PAGE_DIGITS:
        return -1
    return int(text)


def _lifespan(
    preview: Preview, open_url: str
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await preview.start()
        if open_url:
            asyncio.get_running_loop().run_in_executor(None, webbrowser.open, open_url)
        try:
            yield
        finally:
            await preview.stop()

    return lifespan


def create_preview_app(
    settings: Settings,
    role_path: Path,
    *,
    open_url: str = "",
    allowed_hosts: Iterable[str] = default_hosts("127.0.0.1"),
) -> Starlette:
    """The preview's web application for one role file."""
    preview = Preview(settings, role_path)
    return Starlette(
        routes=PreviewPages(preview).routes(),
        middleware=[Middleware(RequestGuard, allowed_hosts=tuple(allowed_hosts))],
        lifespan=_lifespan(preview, open_url),
    )


def serve_preview(
    settings: Settings,
    role_path: Path,
    host: str,
    port: int,
    open_browser: bool,
    allowed_hosts: Iterable[str] = (),
) -> None:
    """Run the preview until Ctrl-C or SIGTERM (``allowed_hosts``: default from ``host``)."""
    import socket

    from exporter.service.server import run

    if port == 0:  # pick one now, so that --open knows it
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    url = f"http://{host}:{port}/"
    hosts = tuple(allowed_hosts) or default_hosts(host)
    app = create_preview_app(
        settings, role_path, open_url=url if open_browser else "", allowed_hosts=hosts
    )
    run(app, host, port, graceful_seconds=1)
