"""Run batch jobs on a :class:`concurrent.futures.Executor`, surviving dying workers.

The default executor is a :class:`~concurrent.futures.ProcessPoolExecutor` on the
``spawn`` context, one worker per core; any executor with ``submit`` and
``shutdown`` can replace it (pass another ``executor_factory``). Jobs are submitted
a few at a time so that a stop (``--fail-fast``, Ctrl-C) leaves little in flight.

When a worker dies (crash, out-of-memory kill, the watchdog), the executor is
broken and every job in flight fails with it. Those jobs are then rerun one at a
time on a fresh executor: one that breaks it again while alone is the culprit and
is reported failed; the others complete normally.

Stopping (:class:`Stop`): the first stop request (a signal, ``--fail-fast``) lets
the roles in flight finish and submits nothing more; a second kills the worker
processes at once (``SIGKILL``), so any number of signals ends the batch within
a bounded time. Nothing here raises on a signal: the code that writes files and
records is never interrupted halfway.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from typing import Any

from exporter.api import render as api_render
from exporter.batch.settings import RenderSettings
from exporter.batch.workers import Job, JobResult, Renderer, init_worker, render_job

#: ``factory(workers, initializer, initargs) -> Executor``
ExecutorFactory = Callable[[int, Callable[..., object], tuple[Any, ...]], Executor]

WORKER_DIED = (
    "the worker process died while rendering this role "
    "(it crashed, ran out of memory, or did not stop at the time limit)"
)


#: Seconds between looks at the stop flag while waiting for results.
POLL_SECONDS = 0.2


class Stop:
    """Stop requests, counted: the first drains the batch, a second kills its workers."""

    def __init__(self) -> None:
        self.count = 0
        self._executor: Executor | None = None

    @property
    def requested(self) -> bool:
        return self.count > 0

    @property
    def hurried(self) -> bool:
        """A second request came: do not wait for running roles."""
        return self.count > 1

    def request(self) -> None:
        """Called from a signal handler: only counts and, from the second on, kills."""
        self.count += 1
        if self.hurried and self._executor is not None:
            kill_workers(self._executor)

    def watch(self, executor: Executor | None) -> None:
        """The executor whose workers a hurried stop kills."""
        self._executor = executor
        if executor is not None and self.hurried:
            kill_workers(executor)


def worker_processes(executor: Executor) -> list[multiprocessing.process.BaseProcess]:
    """The worker processes of a process pool (none for other executors).

    :class:`~concurrent.futures.ProcessPoolExecutor` does not expose its workers;
    this is the one place that reads its private ``_processes``, so a change there
    breaks one function, and the batch and the service kill and join through it.
    """
    processes = getattr(executor, "_processes", None) or {}
    return list(processes.values())


def kill_workers(executor: Executor) -> None:
    """End a process pool's workers now (SIGKILL); other executors have none to kill."""
    for process in worker_processes(executor):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # gone, closed, unstarted
            process.kill()


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def process_pool(
    workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...]
) -> Executor:
    """The default executor: worker processes started with ``spawn``, never ``fork``."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


def run_jobs(
    jobs: Iterable[Job],
    settings: RenderSettings,
    workers: int,
    on_result: Callable[[JobResult], bool],
    executor_factory: ExecutorFactory = process_pool,
    render: Renderer = api_render,
    stop: Stop | None = None,
    started: Callable[[], object] | None = None,
) -> None:
    """Run every job, calling ``on_result`` as each finishes; it returns False to stop.

    ``started`` runs once, right after the first jobs are submitted, so that a check
    in this process (the batch's templates and stylesheets) overlaps the workers'
    start-up; no result is looked at before it returns. If it raises, the workers
    are killed and the error propagates: no job's result is reported.

    Each job runs as ``render_job(job, render)`` on the executor. ``stop`` is
    looked at between results (see :class:`Stop`); jobs never started are simply
    not reported. ``jobs`` is read lazily, one job ahead of what is submitted, so a
    generator that loads each role only when it is due keeps memory flat however
    many roles a batch has.
    """
    stop = stop or Stop()
    pending = iter(jobs)
    queue: deque[Job] = deque()  # at most one job read ahead of the submissions

    def read_ahead() -> None:
        if not queue:
            job = next(pending, None)
            if job is not None:
                queue.append(job)

    read_ahead()
    first = queue[0] if queue else None
    isolate: deque[Job] = deque()
    in_flight: dict[Future[JobResult], Job] = {}
    window = max(1, workers) * 2
    executor: Executor | None = None
    stopping = crashed = False  # stopping: on_result asked to stop (--fail-fast)
    alone = False  # the flight is a single suspect rerun by itself after a crash
    proven: Job | None = None
    try:
        while queue or isolate or in_flight:
            if stopping or stop.requested:
                break  # the rest happens in ``finally``: queued jobs cancelled, running ones end
            if executor is None:
                # Workers warm up on a role that rendered well, else on the first one
                # unless a worker has died already (that role may be what kills them).
                sample = proven or (first if not crashed else None)
                warm = (sample.role, sample.limits) if sample else (None, None)
                executor = executor_factory(max(1, workers), init_worker, (settings, *warm))
                stop.watch(executor)
            while True:
                if isolate:
                    if not in_flight:
                        job, alone = isolate.popleft(), True
                        in_flight[_submit(executor, job, render)] = job
                    break
                if not queue or len(in_flight) >= window:
                    break
                job, alone = queue.popleft(), False
                in_flight[_submit(executor, job, render)] = job
                read_ahead()
            if started is not None:
                check, started = started, None
                try:
                    check()
                except BaseException:
                    kill_workers(executor)
                    in_flight.clear()  # nothing of a batch that failed its check is reported
                    raise
            done, _ = wait(list(in_flight), POLL_SECONDS, return_when=FIRST_COMPLETED)
            if not done:
                continue
            broken = any(_is_broken(f) for f in done)
            if broken:  # the rest of the flight fails the same way; gather it all
                done, _ = wait(list(in_flight))
            suspects: list[Job] = []
            for future in sorted(done, key=lambda f: in_flight[f].source):
                job = in_flight.pop(future)
                if _is_broken(future):
                    suspects.append(job)
                    continue
                if future.cancelled():
                    continue
                result = _result(future, job)
                if proven is None and result.error is None:
                    proven = job
                if not on_result(result):
                    stopping = True
            if broken:
                crashed = True
                stop.watch(None)
                executor.shutdown(wait=True)
                executor = None
                if stop.requested:  # killed on purpose, or dying with the batch: no reruns
                    stopping = True
                elif len(suspects) == 1 and alone:
                    job = suspects[0]
                    if not on_result(JobResult(job.source, job.role.slug, error=WORKER_DIED)):
                        stopping = True
                else:
                    isolate.extend(suspects)
            if not in_flight:
                alone = False
    finally:
        # Never Future.cancel() here: Python 3.11's process pool fails on a cancelled
        # future when it breaks later (a hurried stop), and then nobody ends the wait.
        # shutdown(cancel_futures=True) drops the queued jobs itself.
        if executor is not None:
            if stop.hurried:
                kill_workers(executor)
            executor.shutdown(wait=True, cancel_futures=True)
            stop.watch(None)
            for future, job in sorted(in_flight.items(), key=lambda item: item[1].source):
                if future.done() and not future.cancelled() and not _is_broken(future):
                    on_result(_result(future, job))


def _submit(executor: Executor, job: Job, render: Renderer) -> Future[JobResult]:
    """Submit a job; on an executor a dying worker just broke, a future that says so.

    A worker can die between the moment a result arrives and the next submit: the
    job then joins the others in flight as a suspect to rerun, instead of the
    error escaping the batch.
    """
    try:
        return executor.submit(render_job, job, render)
    except BrokenExecutor as exc:
        future: Future[JobResult] = Future()
        future.set_exception(exc)
        return future


def _is_broken(future: Future[JobResult]) -> bool:
    return (
        future.done() and not future.cancelled() and isinstance(future.exception(), BrokenExecutor)
    )


def _result(future: Future[JobResult], job: Job) -> JobResult:
    try:
        return future.result()
    except Exception as exc:  # e.g. a job that cannot be sent to the worker
        return JobResult(job.source, job.role.slug, error=f"worker failed: {type(exc).__name__}")
