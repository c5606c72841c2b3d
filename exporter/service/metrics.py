"""The service's Prometheus metrics, in a registry of its own per application."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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
        self.worker_replacements = Counter(
            "exporter_worker_replacements",
            "Worker processes replaced after dying or overrunning the time limit.",
            registry=self.registry,
        )
