"""The service's Prometheus metrics (a registry of its own per application) and the
middleware that counts every request."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Methods counted by name; any other is counted as ``other`` (a label per made-up method
#: would let any client grow /metrics and the memory without bound).
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"}
)


def method_label(method: str) -> str:
    """The request method as a metric label: a known method, else ``other``."""
    return method if method in KNOWN_METHODS else "other"


class Metrics:
    """Requests, renders, cache use, render time, queue depth and failures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "exporter_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.renders = Counter(
            "exporter_renders",
            "Role renders run by the workers (every format of a role at once), by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "exporter_cache_hits",
            "Files served from the cache.",
            ["format"],
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "exporter_cache_misses",
            "Files not in the cache when asked for (rendered, or joined a render).",
            ["format"],
            registry=self.registry,
        )
        self.render_seconds = Histogram(
            "exporter_render_seconds",
            "Seconds per role render, queueing excluded.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "exporter_render_queue_depth",
            "Renders waiting for a worker or running.",
            registry=self.registry,
        )
        self.failures = Counter(
            "exporter_failures",
            "Requests that failed on the service's side, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.cache_write_failures = Counter(
            "exporter_cache_write_failures",
            "Rendered files the cache could not store (a full disk...); they were still served.",
            registry=self.registry,
        )
        self.worker_replacements = Counter(
            "exporter_worker_replacements",
            "Worker processes replaced after dying or overrunning the time limit.",
            registry=self.registry,
        )


class ObserveRequests:
    """ASGI middleware: counts requests by route template, method and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: list[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = "unmatched"
        for candidate in self.routes:
            if candidate.matches(scope)[0] is Match.FULL:
                route = getattr(candidate, "path", "unmatched")
                break
        status = [500]

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            method = method_label(scope["method"])
            self.metrics.requests.labels(route, method, str(status[0])).inc()
