"""The ASGI application: :func:`create_app` builds it; any ASGI server can run it.

Routes (see the README's "Serving" section): ``/`` the HTML listing, ``/roles``
and ``/roles/{slug}`` as JSON, ``/roles/{slug}.pdf`` and ``.docx`` the files,
``POST /render`` (opt-in), ``/healthz``, ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from exporter.api import FORMATS
from exporter.api import render as api_render
from exporter.engine.executors import default_jobs, process_pool
from exporter.engine.jobs import Job, Limits, Renderer
from exporter.engine.settings import Settings as RenderSettings
from exporter.engine.settings import role_hash
from exporter.errors import ExporterError, RoleError
from exporter.files import user_cache_folder
from exporter.model.role import MAX_FILE_BYTES
from exporter.model.rolefile import decode_role, role_json
from exporter.report.outline import figures
from exporter.service.cache import DEFAULT_CACHE_BYTES, CachedFile, DiskCache
from exporter.service.inputs import POLL_SECONDS, InputWatch
from exporter.service.metrics import Metrics, ObserveRequests
from exporter.service.renderer import Busy, ExecutorFactory, RenderFailed, RenderPool, TimedOut
from exporter.service.responses import MEDIA_TYPES, file_response, problem
from exporter.service.roles import RoleIndex, ServedRole

#: The environment variable holding the render API's bearer token.
TOKEN_VARIABLE = "EXPORTER_API_TOKEN"

#: Seconds a client is told to wait when the render queue is full or a render overran.
RETRY_AFTER = 5

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_ASSETS = {"service.css": "text/css; charset=utf-8", "service.js": "text/javascript"}


def default_cache_dir() -> Path:
    """The per-user cache folder: ``$XDG_CACHE_HOME/exporter/serve`` (``~/.cache`` default)."""
    folder = user_cache_folder("serve")
    if folder is None:
        raise ExporterError("no home folder and no XDG_CACHE_HOME for the cache: give --cache DIR")
    return folder


def create_app(
    roles_dir: Path | str,
    *,
    settings: RenderSettings | None = None,
    cache_dir: Path | str | None = None,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    jobs: int | None = None,
    queue: int = 32,
    limits: Limits | None = None,
    enable_render_api: bool = False,
    api_token: str | None = None,
    cors_origins: Sequence[str] = (),
    title: str = "Role reports",
    render: Renderer = api_render,
    executor_factory: ExecutorFactory = process_pool,
    reload_seconds: float = POLL_SECONDS,
) -> Starlette:
    """The service as an ASGI application serving the roles in ``roles_dir``.

    ``settings`` are the render options (as ``exporter render`` takes them);
    ``jobs`` worker processes render (default one per core) and at most ``queue``
    more renders wait. ``api_token``, if given, is required as a bearer token by
    ``POST /render`` (``exporter serve`` passes ``$EXPORTER_API_TOKEN``).
    ``render`` and ``executor_factory`` are the batch's seams, for tests. Changed
    templates, styles or brand files are picked up every ``reload_seconds``
    (:mod:`exporter.service.inputs`).
    Raises :class:`~exporter.errors.ExporterError` for bad settings (brand, templates).
    """
    settings = replace(settings or RenderSettings(), formats=FORMATS)
    settings.check()
    limits = limits or Limits()
    fingerprint = settings.fingerprint()
    index = RoleIndex(Path(roles_dir), fingerprint)
    cache = DiskCache(Path(cache_dir) if cache_dir else default_cache_dir(), cache_bytes)
    metrics = Metrics()

    def on_render(result: Any, seconds: float) -> None:
        outcome = "ok" if result is not None and result.error is None else "failed"
        metrics.renders.labels(outcome).inc()
        if outcome == "ok":
            metrics.render_seconds.observe(seconds)

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
        on_render=on_render,
    )
    metrics.queue_depth.set_function(lambda: pool.depth)
    templates = Environment(autoescape=select_autoescape(default=True), auto_reload=False)
    page = templates.from_string(_asset("index.html").decode("utf-8"))

    def job_for(served: ServedRole) -> Job:
        return Job(served.role, served.path.name, served.source_hash, settings, limits)

    def links(request: Request, slug: str) -> dict[str, str]:
        base = request.scope.get("root_path", "")
        return {fmt: f"{base}/roles/{slug}.{fmt}" for fmt in FORMATS}

    async def listing(request: Request) -> Response:
        roles, problems = await asyncio.to_thread(index.scan)
        query = request.query_params.get("q", "")[:200]
        words = query.lower().split()
        rows = []
        for served in sorted(roles.values(), key=lambda s: (s.role.role.lower(), s.role.country)):
            role = served.role
            search = f"{role.role} {role.country} {role.slug}".lower()
            if all(word in search for word in words):
                urls = links(request, role.slug)
                rows.append(
                    {
                        "role": role.role,
                        "country": role.country,
                        "figures": figures(role),
                        "search": search,
                        "pdf": urls["pdf"],
                        "docx": urls["docx"],
                    }
                )
        html = page.render(
            title=title,
            base=request.scope.get("root_path", ""),
            query=query,
            rows=rows,
            total=len(roles),
            problems=[f"{p.path.name}: {p.message}" for p in problems],
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return _not_found()
        return Response(_asset(name), media_type=_ASSETS[name])

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask; no icon, and no 404 in their console

    async def role_list(request: Request) -> Response:
        roles, _ = await asyncio.to_thread(index.scan)
        items = []
        for slug, served in sorted(roles.items()):
            shown = figures(served.role)
            items.append(
                {
                    "slug": slug,
                    "role": served.role.role,
                    "country": served.role.country,
                    "figures": shown.__dict__,
                    "urls": links(request, slug),
                }
            )
        return JSONResponse(items)

    async def role_item(request: Request) -> Response:
        name: str = request.path_params["name"]
        stem, dot, suffix = name.rpartition(".")
        if dot and suffix in MEDIA_TYPES:
            return await download(request, stem, suffix)
        served = await asyncio.to_thread(index.get, name)
        if served is None:
            return _not_found()
        return Response(role_json(served.role), media_type="application/json")

    def lookup(slug: str, fmt: str) -> tuple[ServedRole | None, CachedFile | None]:
        served = index.get(slug)
        if served is None:
            return None, None
        return served, cache.get(served.source_hash, fmt)

    async def download(request: Request, slug: str, fmt: str) -> Response:
        served, found = await asyncio.to_thread(lookup, slug, fmt)  # one trip off the loop
        if served is None:
            return _not_found()
        return await deliver(request, job_for(served), fmt, found)

    async def deliver(
        request: Request, job: Job, fmt: str, found: CachedFile | None = None
    ) -> Response:
        if found is None:
            found = await asyncio.to_thread(cache.get, job.source_hash, fmt)
        if found is not None:
            metrics.cache_hits.labels(fmt).inc()
            data, sha, modified = found.data, found.sha256, found.modified
        else:
            metrics.cache_misses.labels(fmt).inc()
            try:
                rendered = await pool.get(job)
            except Busy:
                metrics.failures.labels("queue_full").inc()
                return problem(
                    503,
                    "Service busy",
                    "Too many reports are being made; try again shortly.",
                    headers={"Retry-After": str(RETRY_AFTER)},
                )
            except TimedOut as exc:
                metrics.failures.labels("timeout").inc()
                headers = {"Retry-After": str(RETRY_AFTER)}
                return problem(503, "Render timed out", str(exc), headers=headers)
            except RenderFailed as exc:
                metrics.failures.labels("render").inc()
                return problem(500, "Render failed", str(exc))
            finally:
                metrics.worker_replacements.inc(pool.replacements - _replaced[0])
                _replaced[0] = pool.replacements
            data = rendered.files[fmt]
            sha = await asyncio.to_thread(_sha256, data)
            modified = time.time()
        inline = fmt == "pdf" and request.query_params.get("inline") == "1"
        return file_response(request, data, sha, modified, f"{job.role.slug}.{fmt}", fmt, inline)

    async def render_api(request: Request) -> Response:
        if not enable_render_api:
            return _not_found()
        if token is not None:
            given = request.headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), token.encode()
            ):
                return problem(
                    401,
                    "Unauthorized",
                    "This endpoint needs the API token as 'Authorization: Bearer <token>'.",
                    headers={"WWW-Authenticate": 'Bearer realm="exporter"'},
                )
        fmt = request.query_params.get("format", "pdf")
        if fmt not in MEDIA_TYPES:
            return problem(
                400, "Bad format", "format must be pdf or docx.", errors=[_field("format", fmt)]
            )
        too_big = problem(413, "Role too large", f"A role may be at most {MAX_FILE_BYTES:,} bytes.")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_FILE_BYTES):
            return too_big
        chunks: list[bytes] = []
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_FILE_BYTES:
                return too_big
            chunks.append(chunk)
        raw = b"".join(chunks)
        try:
            role = (await asyncio.to_thread(decode_role, raw, "request body")).role
        except RoleError as exc:
            errors = [{"field": p.field, "message": p.message} for p in exc.problems]
            return problem(422, "Invalid role", str(exc), errors=errors)
        job = Job(role, "request body", role_hash(index.fingerprint, raw), settings, limits)
        return await deliver(request, job, fmt)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        readable = await asyncio.to_thread(index.readable)
        checks = {"workers": pool.ready, "roles_dir": readable}
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    async def metrics_page(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    token = api_token
    _replaced = [0]

    def inputs_changed(new: str) -> None:
        pool.renew()  # first: no role gets its new hash before the workers are renewed
        index.refresh(new)

    watch = InputWatch(settings, fingerprint, inputs_changed)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        watching = asyncio.create_task(watch.run(reload_seconds))
        try:
            yield
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
            await pool.stop()

    routes: list[BaseRoute] = [
        Route("/", listing, methods=["GET"], name="index"),
        Route("/assets/{name}", asset, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
        Route("/roles", role_list, methods=["GET"]),
        Route("/roles/{name}", role_item, methods=["GET"]),
        Route("/render", render_api, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
    middleware = []
    if cors_origins:
        middleware.append(
            Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET"])
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.router.redirect_slashes = False  # one URL per resource; nothing else answers
    app.state.pool = pool
    app.state.cache = cache
    app.state.metrics = metrics
    app.add_middleware(ObserveRequests, metrics=metrics, routes=routes)
    return app


def _not_found() -> Response:
    # The request's path is not echoed back: nothing of it reaches the body.
    return problem(404, "Not found", "There is no such role or page.")


def _field(name: str, value: str) -> dict[str, str]:
    return {"field": name, "message": f"unknown value ({len(value)} characters)"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _asset(name: str) -> bytes:
    return resources.files("exporter.service").joinpath("assets", name).read_bytes()
