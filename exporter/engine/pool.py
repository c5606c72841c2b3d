"""Run many jobs on a :class:`concurrent.futures.Executor`, surviving dying workers.

What ``exporter batch`` (and the Dask executor behind it) runs its jobs with; the
service keeps warm single workers instead (:mod:`exporter.engine.slots`). The
default executor is the engine's process pool
(:func:`exporter.engine.executors.process_pool`), one worker per core; any
executor with ``submit`` and ``shutdown`` can replace it (pass another
``executor_factory``). Jobs are submitted a few at a time so that a stop
(``--fail-fast``, Ctrl-C) leaves little in flight.

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

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait

from exporter.api import render as api_render
from exporter.engine.executors import ExecutorFactory, kill_workers, process_pool
from exporter.engine.failures import JobFailure
from exporter.engine.jobs import Job, JobResult, Renderer, init_worker, render_job
from exporter.engine.settings import Settings

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


def run_jobs(
    jobs: Iterable[Job],
    settings: Settings,
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
    run = _Run(jobs, settings, workers, on_result, executor_factory, render, stop or Stop())
    try:
        run.loop(started)
    finally:
        run.finish()


class _Run:
    """One :func:`run_jobs`: the queue, the flight in the executor, the suspects to rerun."""

    def __init__(
        self,
        jobs: Iterable[Job],
        settings: Settings,
        workers: int,
        on_result: Callable[[JobResult], bool],
        executor_factory: ExecutorFactory,
        render: Renderer,
        stop: Stop,
    ) -> None:
        self.pending: Iterator[Job] = iter(jobs)
        self.settings = settings
        self.workers = max(1, workers)
        self.on_result = on_result
        self.executor_factory = executor_factory
        self.render = render
        self.stop = stop
        self.queue: deque[Job] = deque()  # at most one job read ahead of the submissions
        self.read_ahead()
        self.first = self.queue[0] if self.queue else None
        self.isolate: deque[Job] = deque()
        self.in_flight: dict[Future[JobResult], Job] = {}
        self.window = self.workers * 2
        self.executor: Executor | None = None
        self.stopping = False  # on_result asked to stop (--fail-fast)
        self.crashed = False  # a worker has died in this run
        self.alone = False  # the flight is a single suspect rerun by itself after a crash
        self.proven: Job | None = None  # a job that rendered well: the next warm-up role

    def read_ahead(self) -> None:
        if not self.queue:
            job = next(self.pending, None)
            if job is not None:
                self.queue.append(job)

    def report(self, result: JobResult) -> None:
        if not self.on_result(result):
            self.stopping = True

    def loop(self, started: Callable[[], object] | None) -> None:
        while self.queue or self.isolate or self.in_flight:
            if self.stopping or self.stop.requested:
                break  # the rest happens in finish(): queued jobs cancelled, running ones end
            executor = self.executor or self.start_executor()
            self.submit(executor)
            if started is not None:
                check, started = started, None
                try:
                    check()
                except BaseException:
                    kill_workers(executor)
                    self.in_flight.clear()  # nothing of a batch that failed its check is reported
                    raise
            done, _ = wait(list(self.in_flight), POLL_SECONDS, return_when=FIRST_COMPLETED)
            if done:
                self.collect(done, executor)

    def start_executor(self) -> Executor:
        # Workers warm up on a role that rendered well, else on the first one
        # unless a worker has died already (that role may be what kills them).
        sample = self.proven or (self.first if not self.crashed else None)
        warm = (sample.role, sample.limits) if sample else (None, None)
        self.executor = self.executor_factory(self.workers, init_worker, (self.settings, *warm))
        self.stop.watch(self.executor)
        return self.executor

    def submit(self, executor: Executor) -> None:
        """Fill the window: suspects one at a time, alone; else queued jobs."""
        while True:
            if self.isolate:
                if not self.in_flight:
                    job, self.alone = self.isolate.popleft(), True
                    self.in_flight[_submit(executor, job, self.render)] = job
                return
            if not self.queue or len(self.in_flight) >= self.window:
                return
            job, self.alone = self.queue.popleft(), False
            self.in_flight[_submit(executor, job, self.render)] = job
            self.read_ahead()

    def collect(self, done: set[Future[JobResult]], executor: Executor) -> None:
        """Report finished jobs; a broken executor's flight becomes suspects to rerun."""
        broken = any(_is_broken(f) for f in done)
        if broken:  # the rest of the flight fails the same way; gather it all
            done, _ = wait(list(self.in_flight))
        suspects: list[Job] = []
        for future in sorted(done, key=lambda f: self.in_flight[f].source):
            job = self.in_flight.pop(future)
            if _is_broken(future):
                suspects.append(job)
            elif not future.cancelled():
                result = _result(future, job)
                if self.proven is None and result.failure is None:
                    self.proven = job
                self.report(result)
        if broken:
            self.crashed = True
            self.stop.watch(None)
            executor.shutdown(wait=True)
            self.executor = None
            if self.stop.requested:  # killed on purpose, or dying with the batch: no reruns
                self.stopping = True
            elif len(suspects) == 1 and self.alone:
                job = suspects[0]
                self.report(JobResult(job.source, job.role.slug, failure=JobFailure.worker_died()))
            else:
                self.isolate.extend(suspects)
        if not self.in_flight:
            self.alone = False

    def finish(self) -> None:
        # Never Future.cancel() here: Python 3.11's process pool fails on a cancelled
        # future when it breaks later (a hurried stop), and then nobody ends the wait.
        # shutdown(cancel_futures=True) drops the queued jobs itself.
        executor = self.executor
        if executor is None:
            return
        if self.stop.hurried:
            kill_workers(executor)
        executor.shutdown(wait=True, cancel_futures=True)
        self.stop.watch(None)
        for future, job in sorted(self.in_flight.items(), key=lambda item: item[1].source):
            if future.done() and not future.cancelled() and not _is_broken(future):
                self.on_result(_result(future, job))


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
        return JobResult(job.source, job.role.slug, failure=JobFailure.worker_failed(exc))
