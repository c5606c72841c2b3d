"""Rendering for the service: warm worker processes, one flight per file, a bounded queue.

Renders run off the event loop in worker processes, each a one-process
:class:`~concurrent.futures.ProcessPoolExecutor` (``spawn``) started with the
batch's :func:`~exporter.batch.workers.init_worker` (brand, fonts, stylesheets
loaded once) and running the batch's job function
:func:`~exporter.batch.workers.render_job` under its time and memory limits. One
process per executor means a dead or stuck worker is replaced alone, without
failing the renders running next to it.

A job renders every format of a role at once (a PDF request also caches the
DOCX). Concurrent requests for the same source hash share one flight: it renders
once and they all get its result. At most ``jobs`` flights render and ``queue``
wait; a new flight past that is refused (:class:`Busy`, HTTP 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, replace
from typing import Any

from exporter.api import FORMATS
from exporter.api import render as api_render
from exporter.batch.pool import WORKER_DIED, kill_workers, process_pool, worker_processes
from exporter.batch.settings import RenderSettings
from exporter.batch.workers import Job, JobResult, Limits, Renderer, init_worker, render_job
from exporter.model.role import Role
from exporter.service.cache import DiskCache

#: ``factory(workers, initializer, initargs) -> Executor``, as in :mod:`exporter.batch.pool`.
ExecutorFactory = Callable[[int, Callable[..., object], tuple[Any, ...]], Executor]

#: Seconds the service waits past a role's time limit and the watchdog's grace
#: before it ends a worker itself.
BACKSTOP = 5.0

#: Seconds running renders get to finish when the service stops, before their workers are ended.
STOP_SECONDS = 10.0


class Busy(Exception):
    """Too many renders queued: try again later (HTTP 503 with Retry-After)."""


class TimedOut(Exception):
    """The render ran past the time limit; its worker was replaced (HTTP 503)."""


class RenderFailed(Exception):
    """The role could not be rendered; the message names the role (HTTP 500)."""


@dataclass(frozen=True)
class Rendered:
    """A flight's outcome: the rendered bytes by format."""

    files: dict[str, bytes]


def _warm() -> int:
    """Run in a new worker so that it starts (and its initializer runs) now."""
    return os.getpid()


class _Slot:
    """One worker process, replaced when it breaks."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool
        self.executor = pool.new_executor()
        self.generation = pool.generation  # of the render inputs its worker loaded
        self.fresh = True

    def replace(self, broken: bool = True) -> None:
        """A new worker in place of this one (``broken``: counted as a replacement)."""
        old, self.executor = self.executor, self.pool.new_executor()
        self.generation = self.pool.generation
        if broken:
            self.pool.replacements += 1
        self.fresh = True
        _kill(old)

    async def warm(self) -> None:
        """Start the worker and wait for its initializer (fonts, a sample render)."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(self.executor.submit(_warm), loop=loop)
        self.fresh = False


def _kill(executor: Executor) -> None:
    """End an executor's processes now (stuck or dead workers) and let it go."""
    kill_workers(executor)
    with contextlib.suppress(Exception):
        executor.shutdown(wait=False, cancel_futures=True)


class RenderPool:
    """Warm worker processes, single flights and a bounded queue (use from one event loop)."""

    def __init__(
        self,
        settings: RenderSettings,
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
        self.limits = limits
        self.render = render
        self.sample = sample
        self.executor_factory = executor_factory
        self.on_render = on_render
        self.replacements = 0
        self.generation = 0  #: bumped by renew(): workers of an older one are replaced
        self.ready = False
        self._flights: dict[str, asyncio.Future[Rendered]] = {}
        self._free: asyncio.Queue[_Slot] | None = None
        self._slots: list[_Slot] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        """Flights waiting for a worker or rendering."""
        return len(self._flights)

    def new_executor(self) -> Executor:
        initargs = (self.settings, self.sample, self.limits)
        return self.executor_factory(1, init_worker, initargs)

    async def start(self) -> None:
        """Start every worker and wait until each has loaded and warmed up."""
        self._free = asyncio.Queue()
        self._slots = [_Slot(self) for _ in range(self.jobs)]
        await asyncio.gather(*(slot.warm() for slot in self._slots))
        for slot in self._slots:
            self._free.put_nowait(slot)
        self.ready = True

    async def stop(self, wait: float = STOP_SECONDS) -> None:
        """Stop the workers: queued renders are cancelled, running ones get ``wait`` seconds."""
        self.ready = False
        processes = []
        for slot in self._slots:
            processes += worker_processes(slot.executor)
            slot.executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + wait
        for process in processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        self._slots = []

    def renew(self) -> None:
        """Replace every worker, for render inputs (templates, styles, brand) that changed.

        Idle workers are replaced now, busy ones when their render ends; each is back
        in service once warm. Renders asked for from now on wait for a new worker.
        """
        assert self._free is not None, "start() the pool first"
        self.generation += 1
        while not self._free.empty():
            slot = self._free.get_nowait()
            slot.replace(broken=False)
            self._spawn(self._rewarm(slot))

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
        assert self._free is not None, "start() the pool first"
        slot = await self._free.get()
        started = time.perf_counter()
        result: JobResult | None = None
        try:
            future = slot.executor.submit(render_job, job, self.render)
            backstop = job.limits.seconds + job.limits.grace + BACKSTOP
            try:
                result = await asyncio.wait_for(asyncio.wrap_future(future), backstop)
            except TimeoutError:
                slot.replace()
                raise TimedOut(_timeout(job)) from None
            except BrokenExecutor:
                slot.replace()
                if time.perf_counter() - started >= job.limits.seconds:  # the watchdog
                    raise TimedOut(_timeout(job)) from None
                raise RenderFailed(f"{job.source}: {WORKER_DIED}") from None
            if result.error is not None:
                if result.error == _timeout_error(job.limits):
                    slot.replace()  # a render stopped by its alarm may leave state behind
                    raise TimedOut(_timeout(job))
                raise RenderFailed(f"{job.source}: {result.error}")
            return Rendered({f.format: f.data for f in result.files})
        finally:
            if slot.generation != self.generation:  # the inputs changed while it rendered
                slot.replace(broken=False)
            if slot.fresh:  # replaced: back in service once warm, without delaying this answer
                self._spawn(self._rewarm(slot))
            else:
                self._free.put_nowait(slot)
            if self.on_render is not None:
                self.on_render(result, time.perf_counter() - started)

    async def _rewarm(self, slot: _Slot) -> None:
        await slot.warm()
        assert self._free is not None
        self._free.put_nowait(slot)


def _timeout_error(limits: Limits) -> str:
    # The wording of exporter.batch.workers.render_job for a render stopped by its alarm.
    return f"exceeded the time limit of {limits.seconds:g} s"


def _timeout(job: Job) -> str:
    return f"{job.source}: {_timeout_error(job.limits)}; try again later"
