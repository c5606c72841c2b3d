"""Rendering for the service: one flight per file and a bounded queue, on the engine's workers.

Renders run off the event loop on the engine's warm worker processes
(:class:`exporter.engine.slots.Workers`: one process per slot, each replaced
alone when it breaks; every worker fault comes back as a typed failure).

A job renders every format of a role at once (a PDF request also caches the
DOCX). Concurrent requests for the same source hash share one flight: it renders
once and they all get its result. At most ``jobs`` flights render and ``queue``
wait; a new flight past that is refused (:class:`Busy`, HTTP 503). A failure is
mapped by its kind, never its text: a time limit or a lost or dead worker is
:class:`Unavailable` (HTTP 503, try again), anything else :class:`RenderFailed`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from exporter.api import FORMATS
from exporter.api import render as api_render
from exporter.engine.executors import ExecutorFactory, process_pool
from exporter.engine.failures import Failure, JobFailure
from exporter.engine.jobs import Job, JobResult, Limits, Renderer
from exporter.engine.settings import Settings
from exporter.engine.slots import STOP_SECONDS, Workers
from exporter.model.role import Role
from exporter.service.cache import DiskCache

__all__ = ["Busy", "ExecutorFactory", "RenderFailed", "RenderPool", "Unavailable"]

#: Failures that say "try again later" (HTTP 503), not "this role cannot be rendered".
UNAVAILABLE = frozenset({Failure.TIME_LIMIT, Failure.WORKER_DIED, Failure.WORKER_LOST})


class Busy(Exception):
    """Too many renders queued: try again later (HTTP 503 with Retry-After)."""


class Unavailable(Exception):
    """The render could not finish now (its time limit, or its worker died or was lost);
    the worker was replaced (HTTP 503). :attr:`failure` says which."""

    def __init__(self, message: str, failure: JobFailure) -> None:
        super().__init__(message)
        self.failure = failure


class RenderFailed(Exception):
    """The role could not be rendered; the message names the role (HTTP 500)."""


@dataclass(frozen=True)
class Rendered:
    """A flight's outcome: the rendered bytes by format."""

    files: dict[str, bytes]


class RenderPool:
    """Single flights and a bounded queue on warm workers (use from one event loop)."""

    def __init__(
        self,
        settings: Settings,
        cache: DiskCache,
        *,
        jobs: int,
        queue: int,
        limits: Limits,
        render: Renderer = api_render,
        sample: Role | None = None,
        executor_factory: ExecutorFactory = process_pool,
        on_render: Callable[[JobResult | None, float], None] | None = None,
    ) -> None:
        self.settings = replace(settings, formats=FORMATS)
        self.cache = cache
        self.jobs = max(1, jobs)
        self.queue = max(0, queue)
        self.render = render
        self.on_render = on_render
        self.workers = Workers(self.jobs, (self.settings, sample, limits), executor_factory)
        self._flights: dict[str, asyncio.Future[Rendered]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        """Flights waiting for a worker or rendering."""
        return len(self._flights)

    @property
    def replacements(self) -> int:
        """Workers replaced because they broke."""
        return self.workers.replacements

    @property
    def healthy(self) -> bool:
        """Every worker warm and alive right now."""
        return self.workers.healthy

    @property
    def ready(self) -> bool:
        """What ``/readyz`` reports: the workers' real health."""
        return self.workers.healthy

    async def start(self) -> None:
        """Start every worker and wait until each has loaded and warmed up."""
        await self.workers.start()

    async def stop(self, wait: float = STOP_SECONDS) -> None:
        """Stop the workers: queued renders are cancelled, running ones get ``wait`` seconds."""
        await self.workers.stop(wait)

    def renew(self) -> None:
        """Replace every worker, for render inputs (templates, styles, brand) that changed."""
        self.workers.renew()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def get(self, job: Job) -> Rendered:
        """Render ``job`` once however many ask for it at the same time."""
        flight = self._flights.get(job.source_hash)
        if flight is None:
            if len(self._flights) >= self.jobs + self.queue:
                raise Busy(f"{len(self._flights)} renders are queued or running")
            flight = asyncio.get_running_loop().create_future()
            self._flights[job.source_hash] = flight
            self._spawn(self._fly(job, flight))
        return await asyncio.shield(flight)

    async def _fly(self, job: Job, flight: asyncio.Future[Rendered]) -> None:
        try:
            result = await self._run(job)
            for fmt, data in result.files.items():
                await asyncio.to_thread(self.cache.put, job.source_hash, fmt, data)
            flight.set_result(result)
        except BaseException as exc:
            flight.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            del self._flights[job.source_hash]
            if not flight.cancelled():
                flight.exception()  # marks it retrieved when nobody awaited it

    async def _run(self, job: Job) -> Rendered:
        started = time.perf_counter()
        result: JobResult | None = None
        try:
            result = await self.workers.run(job, self.render)
        finally:
            if self.on_render is not None:
                self.on_render(result, time.perf_counter() - started)
        failure = result.failure
        if failure is None:
            return Rendered({f.format: f.data for f in result.files})
        if failure.kind in UNAVAILABLE:
            raise Unavailable(f"{job.source}: {failure.message}; try again later", failure)
        raise RenderFailed(f"{job.source}: {failure.message}")
