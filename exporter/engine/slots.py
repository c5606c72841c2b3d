"""Warm worker processes for a long-running front door, each replaced alone when it breaks.

:class:`Workers` keeps ``count`` slots, each a one-process executor (``spawn``)
started with :func:`~exporter.engine.jobs.init_worker` (brand, fonts, stylesheets
loaded once) and running :func:`~exporter.engine.jobs.render_job` under the job's
limits. One process per executor means a dead or stuck worker is replaced alone,
without failing the renders running next to it.

This is the one place where executor faults are handled. Whatever goes wrong
with a worker (found dead before a job, ``submit`` refused by a broken
executor, a warm-up that fails, a worker killed while idle or while rendering,
a render past its backstop) comes back as a :class:`~exporter.engine.jobs.JobResult`
carrying a typed :class:`~exporter.engine.failures.JobFailure`, never as an
exception; the slot is replaced (counted in :attr:`Workers.replacements`) and
warmed again. A job that met a lost worker before it started
(:attr:`Failure.WORKER_LOST`) is tried once more on a fresh worker.
:attr:`Workers.healthy` looks at the slots' processes themselves, so a worker
killed while idle makes it false at once, until its replacement is warm.

Use one :class:`Workers` from one event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import BrokenExecutor, Executor
from typing import Any

from exporter.engine.executors import (
    ExecutorFactory,
    discard,
    is_broken,
    process_pool,
    worker_processes,
)
from exporter.engine.failures import JobFailure
from exporter.engine.jobs import Job, JobResult, Renderer, init_worker, render_job, worker_pid

#: Seconds a slot waits past a job's time limit and the watchdog's grace before it
#: ends the worker itself.
BACKSTOP = 5.0

#: Seconds running renders get to finish when the workers stop, before they are ended.
STOP_SECONDS = 10.0

#: Attempts to start and warm a slot's worker before the slot is left cold (unhealthy).
WARM_TRIES = 2

_log = logging.getLogger("exporter.engine")


class Slot:
    """One worker process: its executor, the inputs' generation it loaded, whether it is warm."""

    def __init__(self, executor: Executor, generation: int) -> None:
        self.executor = executor
        self.generation = generation
        self.warm = False  #: its worker started and loaded its inputs
        self.pid = 0

    def alive(self) -> bool:
        """Warm, its executor not broken and its worker process running."""
        if not self.warm or is_broken(self.executor):
            return False
        return all(process.is_alive() for process in worker_processes(self.executor))


class Workers:
    """``count`` warm one-process workers; every executor failure becomes a typed failure."""

    def __init__(
        self,
        count: int,
        initargs: tuple[Any, ...],
        executor_factory: ExecutorFactory = process_pool,
    ) -> None:
        self.count = max(1, count)
        self.initargs = initargs
        self.executor_factory = executor_factory
        self.replacements = 0  #: workers replaced because they broke (not renewals)
        self.generation = 0  #: bumped by renew(): workers of an older one are replaced
        self.started = False
        self._slots: list[Slot] = []
        self._free: asyncio.Queue[Slot] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def healthy(self) -> bool:
        """Started, and every slot's worker warm and alive right now."""
        return self.started and all(slot.alive() for slot in self._slots)

    def _new_slot(self) -> Slot:
        return Slot(self.executor_factory(1, init_worker, self.initargs), self.generation)

    def _replace(self, slot: Slot, broken: bool = True) -> None:
        """A new worker in the slot (``broken``: counted as a replacement); cold until warmed."""
        old = slot.executor
        fresh = self._new_slot()
        slot.executor, slot.generation, slot.warm, slot.pid = (
            fresh.executor,
            fresh.generation,
            False,
            0,
        )
        if broken:
            self.replacements += 1
        discard(old)

    async def _warm(self, slot: Slot) -> None:
        """Start the slot's worker and wait for its initializer; a failure replaces it."""
        for attempt in range(1, WARM_TRIES + 1):
            try:
                future = slot.executor.submit(worker_pid)
                slot.pid = await asyncio.wrap_future(future)
                slot.warm = True
                return
            except Exception as exc:  # a broken executor, an initializer that raised
                _log.warning("render worker failed to start (try %d): %r", attempt, exc)
                self._replace(slot)

    async def start(self) -> None:
        """Start every worker and wait until each has loaded and warmed up."""
        self._free = asyncio.Queue()
        self._slots = [self._new_slot() for _ in range(self.count)]
        await asyncio.gather(*(self._warm(slot) for slot in self._slots))
        for slot in self._slots:
            self._free.put_nowait(slot)
        self.started = True

    async def stop(self, wait: float = STOP_SECONDS) -> None:
        """Stop the workers: queued jobs are cancelled, running ones get ``wait`` seconds."""
        self.started = False
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

        Idle workers are replaced now, busy ones when their job ends; each is back
        in service once warm. Jobs asked for from now on wait for a new worker.
        """
        assert self._free is not None, "start() the workers first"
        self.generation += 1
        while not self._free.empty():
            slot = self._free.get_nowait()
            self._replace(slot, broken=False)
            self._spawn(self._rewarm(slot))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _rewarm(self, slot: Slot) -> None:
        await self._warm(slot)
        assert self._free is not None
        self._free.put_nowait(slot)

    async def run(self, job: Job, render: Renderer) -> JobResult:
        """Run ``job`` on a warm worker; a worker lost before it started gets one more try."""
        result = await self._run_once(job, render)
        if result.failure is not None and result.failure.kind.retryable:
            _log.warning("%s: %s; trying once more on a fresh worker", job.source, result.error)
            result = await self._run_once(job, render)
        return result

    async def _run_once(self, job: Job, render: Renderer) -> JobResult:
        assert self._free is not None, "start() the workers first"
        slot = await self._free.get()
        try:
            return await self._attempt(slot, job, render)
        finally:
            if slot.generation != self.generation:  # the inputs changed while it rendered
                self._replace(slot, broken=False)
            if slot.warm:
                self._free.put_nowait(slot)
            else:  # replaced: back in service once warm, without delaying this answer
                self._spawn(self._rewarm(slot))

    async def _attempt(self, slot: Slot, job: Job, render: Renderer) -> JobResult:
        if not slot.alive():  # died while idle, or never warmed: replace it before the job
            self._replace(slot)
            await self._warm(slot)
            if not slot.alive():
                return _failed(job, JobFailure.worker_lost())
        started = time.monotonic()
        try:
            future = slot.executor.submit(render_job, job, render)
        except (BrokenExecutor, RuntimeError):  # broke since the look above; nothing ran
            self._replace(slot)
            return _failed(job, JobFailure.worker_lost())
        backstop = job.limits.seconds + job.limits.grace + BACKSTOP
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), backstop)
        except TimeoutError:
            self._replace(slot)
            return _failed(job, JobFailure.time_limit(job.limits.seconds))
        except BrokenExecutor:
            self._replace(slot)
            if time.monotonic() - started >= job.limits.seconds:  # the watchdog ended it
                return _failed(job, JobFailure.time_limit(job.limits.seconds))
            return _failed(job, JobFailure.worker_died())
        except Exception as exc:  # the job could not be sent or its result not read back
            return _failed(job, JobFailure.worker_failed(exc))
        if result.failure is not None and result.failure.kind.worker_suspect:
            self._replace(slot)  # a render stopped by its alarm may leave state behind
        return result


def _failed(job: Job, failure: JobFailure) -> JobResult:
    return JobResult(job.source, job.role.slug, failure=failure)
