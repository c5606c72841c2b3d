"""The ASGI application: :func:`create_app` builds it; any ASGI server can run it.

Routes (see ``docs/security.md`` for who may call what): ``/`` the HTML listing,
``/roles`` and ``/roles/{slug}`` as JSON, ``/roles/{slug}.pdf`` and ``.docx`` the
files, ``POST /render`` (opt-in), ``/healthz``, ``/readyz`` and ``/metrics``.
:class:`ServiceState` holds what the handlers share; :class:`Service` holds the
handlers, one method per route.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from exporter.api import FORMATS
from exporter.api import render as api_render
from exporter.engine.executors import default_jobs, process_pool
from exporter.engine.failures import Failure
from exporter.engine.jobs import Job, JobResult, Limits, Renderer
from exporter.engine.settings import Settings, role_hash
from exporter.errors import ExporterError, RoleError
from exporter.files import private_folder, user_cache_folder
from exporter.model.role import MAX_FILE_BYTES
from exporter.model.rolefile import decode_role, role_json
from exporter.service.cache import DEFAULT_CACHE_BYTES, CachedFile, DiskCache
from exporter.service.guard import RequestGuard, default_hosts
from exporter.service.hotpath import HotPath, files_endpoint
from exporter.service.index import FileIndex
from exporter.service.inputs import POLL_SECONDS, InputWatch
from exporter.service.listing import ListingPage, RolesJson
from exporter.service.metrics import Metrics, ObserveRequests
from exporter.service.pages import asset_response
from exporter.service.renderer import Busy, ExecutorFactory, RenderFailed, RenderPool, Unavailable
from exporter.service.responses import MEDIA_TYPES, file_response, problem, public_problems
from exporter.service.roles import RoleIndex, ServedRole

#: The environment variable holding the render API's bearer token.
TOKEN_VARIABLE = "EXPORTER_API_TOKEN"

#: Seconds a client is told to wait when the render queue is full or a render overran.
RETRY_AFTER = 5


def default_cache_dir() -> Path:
    """The per-user cache folder ``$XDG_CACHE_HOME/exporter/serve`` (``~/.cache`` by default),
    used only if it is a real folder only this user can write (files found there are served)."""
    folder = user_cache_folder("serve")
    if folder is None:
        raise ExporterError("no home folder and no XDG_CACHE_HOME for the cache: give --cache DIR")
    if private_folder(folder) is None:
        raise ExporterError(
            f"{folder}: the cache folder is not a folder only this user can write "
            "(a link, or another user's): give --cache DIR"
        )
    return folder


def check_token(enable_render_api: bool, api_token: str | None) -> None:
    """An empty token with the render API on is an error, never an open API."""
    if enable_render_api and api_token is not None and not api_token.strip():
        raise ExporterError(
            f"{TOKEN_VARIABLE} is set but empty: set it to a secret token, or unset it to "
            "run the render API open (on a trusted network only)"
        )


@dataclass
class ServiceState:
    """What the handlers share: settings, the roles, the cache, the workers, the metrics."""

    settings: Settings
    limits: Limits
    index: RoleIndex
    cache: DiskCache
    metrics: Metrics
    pool: RenderPool
    title: str
    enable_render_api: bool
    api_token: str | None
    files: FileIndex  # the roles and their files in memory, checked once a second
    page: ListingPage  # the branded listing
    replaced: int = 0  # worker replacements already counted in the metrics


class Service:
    """The handlers, one method per route, over one :class:`ServiceState`."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    def routes(self) -> list[BaseRoute]:
        """Every route of the service."""
        files = self.state.files
        return [
            Route("/", self.state.page.endpoint, methods=["GET"], name="index"),
            Route("/brand/{name}", self.state.page.asset, methods=["GET"]),
            Route("/assets/{name}", self.asset, methods=["GET"]),
            Route("/favicon.ico", self.no_icon, methods=["GET"]),
            Route("/roles", RolesJson(files).endpoint, methods=["GET"]),
            Route("/files/{name}", partial(files_endpoint, files=files), methods=["GET"]),
            Route("/roles/{name}", self.role_item, methods=["GET"]),
            Route("/render", self.render_api, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.metrics_page, methods=["GET"]),
        ]

    def job_for(self, served: ServedRole) -> Job:
        """The render job of a role of the folder."""
        settings, limits = self.state.settings, self.state.limits
        return Job(served.role, served.path.name, served.source_hash, settings, limits)

    async def asset(self, request: Request) -> Response:
        """``GET /assets/{name}``: the page's stylesheet and script."""
        return asset_response(request.path_params["name"]) or _not_found()

    async def no_icon(self, request: Request) -> Response:
        """``GET /favicon.ico``: browsers ask; no icon, and no 404 in their console."""
        return Response(status_code=204)

    async def role_item(self, request: Request) -> Response:
        """``GET /roles/{slug}`` (the role as JSON) or ``/roles/{slug}.{pdf,docx}`` (the file)."""
        name: str = request.path_params["name"]
        stem, dot, suffix = name.rpartition(".")
        if dot and suffix in MEDIA_TYPES:
            return await self.download(request, stem, suffix)
        served = (await self.state.files.view()).roles.get(name)  # no folder scan per request
        if served is None:
            return _not_found()
        return Response(role_json(served.role), media_type="application/json")

    async def download(self, request: Request, slug: str, fmt: str) -> Response:
        """One role's file, from the cache or rendered."""
        served = (await self.state.files.view()).roles.get(slug)  # no folder scan per request
        if served is None:
            return _not_found()
        found = await asyncio.to_thread(self.state.cache.get, served.source_hash, fmt)
        return await self.deliver(request, self.job_for(served), fmt, found)

    async def deliver(
        self, request: Request, job: Job, fmt: str, found: CachedFile | None = None
    ) -> Response:
        """The file of ``job`` in ``fmt``: cached, or rendered now (and cached if the disk lets)."""
        state = self.state
        if found is None:
            found = await asyncio.to_thread(state.cache.get, job.source_hash, fmt)
        if found is not None:
            state.metrics.cache_hits.labels(fmt).inc()
            data, sha, modified = found.data, found.sha256, found.modified
        else:
            state.metrics.cache_misses.labels(fmt).inc()
            rendered = await self._render(job)
            if isinstance(rendered, Response):
                return rendered
            data = rendered[fmt]
            sha = await asyncio.to_thread(_sha256, data)
            modified = time.time()
        inline = fmt == "pdf" and request.query_params.get("inline") == "1"
        return file_response(request, data, sha, modified, f"{job.role.slug}.{fmt}", fmt, inline)

    async def _render(self, job: Job) -> dict[str, bytes] | Response:
        """The job's files by format, or the problem response that says why not."""
        state = self.state
        retry = {"Retry-After": str(RETRY_AFTER)}
        try:
            return (await state.pool.get(job)).files
        except Busy:
            state.metrics.failures.labels("queue_full").inc()
            detail = "Too many reports are being made; try again shortly."
            return problem(503, "Service busy", detail, headers=retry)
        except Unavailable as exc:
            timed_out = exc.failure.kind is Failure.TIME_LIMIT
            state.metrics.failures.labels("timeout" if timed_out else "worker").inc()
            title = "Render timed out" if timed_out else "Render worker lost"
            return problem(503, title, str(exc), headers=retry)
        except RenderFailed as exc:
            state.metrics.failures.labels("render").inc()
            return problem(500, "Render failed", str(exc))
        finally:
            state.metrics.worker_replacements.inc(state.pool.replacements - state.replaced)
            state.replaced = state.pool.replacements

    def _authorized(self, request: Request) -> bool:
        token = self.state.api_token
        if token is None:
            return True
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )

    async def render_api(self, request: Request) -> Response:
        """``POST /render``: a role's JSON in, its file out (opt-in, behind the token if set)."""
        if not self.state.enable_render_api:
            return _not_found()
        if not self._authorized(request):
            return problem(
                401,
                "Unauthorized",
                "This endpoint needs the API token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="exporter"'},
            )
        fmt = request.query_params.get("format", "pdf")
        if fmt not in MEDIA_TYPES:
            errors = [{"field": "format", "message": "must be pdf or docx"}]
            return problem(400, "Bad format", "format must be pdf or docx.", errors=errors)
        raw = await _body(request, MAX_FILE_BYTES)
        if raw is None:
            return problem(
                413, "Role too large", f"A role may be at most {MAX_FILE_BYTES:,} bytes."
            )
        try:
            role = (await asyncio.to_thread(decode_role, raw, "request body")).role
        except RoleError as exc:
            errors = [{"field": p.field, "message": m} for p, m in public_problems(exc.problems)]
            detail = f"request body: {len(errors)} problem(s) with the role; see errors."
            return problem(422, "Invalid role", detail, errors=errors)
        source_hash = role_hash(self.state.index.fingerprint, raw)
        job = Job(role, "request body", source_hash, self.state.settings, self.state.limits)
        return await self.deliver(request, job, fmt)

    async def healthz(self, request: Request) -> Response:
        """``GET /healthz``: the process answers."""
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        """``GET /readyz``: workers warm and the roles folder readable."""
        readable = await asyncio.to_thread(self.state.index.readable)
        checks = {"workers": self.state.pool.ready, "roles_dir": readable}
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    async def metrics_page(self, request: Request) -> Response:
        """``GET /metrics``: Prometheus text."""
        return Response(
            generate_latest(self.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
        )


def create_app(
    roles_dir: Path | str,
    *,
    settings: Settings | None = None,
    cache_dir: Path | str | None = None,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    jobs: int | None = None,
    queue: int = 32,
    limits: Limits | None = None,
    enable_render_api: bool = False,
    api_token: str | None = None,
    cors_origins: Sequence[str] = (),
    allowed_hosts: Iterable[str] = default_hosts("127.0.0.1"),
    title: str = "Role reports",
    render: Renderer = api_render,
    executor_factory: ExecutorFactory = process_pool,
    reload_seconds: float = POLL_SECONDS,
) -> Starlette:
    """The service as an ASGI application serving the roles in ``roles_dir``.

    ``settings`` are the render options (as ``exporter render`` takes them);
    ``jobs`` worker processes render (default one per core) and at most ``queue``
    more renders wait. ``api_token``, if given, is required as a bearer token by
    ``POST /render`` (``exporter serve`` passes ``$EXPORTER_API_TOKEN``); an empty
    one is an error. Only requests whose ``Host`` is one of ``allowed_hosts`` are
    answered (:mod:`exporter.service.guard`). ``render`` and ``executor_factory``
    are the batch's seams, for tests. Changed templates, styles or brand files are
    picked up every ``reload_seconds`` (:mod:`exporter.service.inputs`).
    Raises :class:`~exporter.errors.ExporterError` for bad settings (brand, templates).
    """
    check_token(enable_render_api, api_token)
    settings = replace(settings or Settings(), formats=FORMATS)
    settings.check()
    limits = limits or Limits()
    index = RoleIndex(Path(roles_dir), settings.fingerprint())
    metrics = Metrics()
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    cache = DiskCache(folder, cache_bytes, lambda exc: metrics.cache_write_failures.inc())
    roles_now, _ = index.scan()
    sample = next(iter(sorted(roles_now.values(), key=lambda r: r.path)), None)
    pool = RenderPool(
        settings,
        cache,
        jobs=jobs or default_jobs(),
        queue=queue,
        limits=limits,
        render=render,
        sample=sample.role if sample else None,
        executor_factory=executor_factory,
        on_render=lambda result, seconds: _count_render(metrics, result, seconds),
    )
    metrics.queue_depth.set_function(lambda: pool.depth)
    files = FileIndex(index, cache)
    state = ServiceState(
        settings,
        limits,
        index,
        cache,
        metrics,
        pool,
        title,
        enable_render_api,
        api_token,
        files,
        ListingPage(files, settings, title),
    )
    routes = Service(state).routes()
    middleware = _middleware(state, routes, tuple(allowed_hosts), tuple(cors_origins))
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan(state, reload_seconds))
    app.router.redirect_slashes = False  # one URL per resource; nothing else answers
    app.state.service = state
    return app


def _middleware(
    state: ServiceState,
    routes: list[BaseRoute],
    allowed_hosts: tuple[str, ...],
    cors_origins: tuple[str, ...],
) -> list[Middleware]:
    """The guard first (every answer checks the Host and carries the security headers),
    then the hot path (plain downloads from memory; it counts its own requests), then
    the counting of every other request, then CORS when origins are given."""
    middleware = [
        Middleware(RequestGuard, allowed_hosts=allowed_hosts),
        Middleware(HotPath, files=state.files, metrics=state.metrics, cors=bool(cors_origins)),
        Middleware(ObserveRequests, metrics=state.metrics, routes=routes),
    ]
    if cors_origins:
        middleware.append(
            Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET"])
        )
    return middleware


def _lifespan(
    state: ServiceState, reload_seconds: float
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Start the workers and the input watch with the server; stop both with it."""

    def inputs_changed(new: str) -> None:
        state.pool.renew()  # first: no role gets its new hash before the workers are renewed
        state.index.refresh(new)

    watch = InputWatch(state.settings, state.index.fingerprint, inputs_changed)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.pool.start()
        watching = asyncio.create_task(watch.run(reload_seconds))
        try:
            yield
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
            await state.pool.stop()

    return lifespan


def _count_render(metrics: Metrics, result: JobResult | None, seconds: float) -> None:
    outcome = "ok" if result is not None and result.error is None else "failed"
    metrics.renders.labels(outcome).inc()
    if outcome == "ok":
        metrics.render_seconds.observe(seconds)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None past ``limit`` bytes (stops reading there)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or len(length) > 18 or int(length) > limit):
        return None
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _not_found() -> Response:
    # The request's path is not echoed back: nothing of it reaches the body.
    return problem(404, "Not found", "There is no such role or page.")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
