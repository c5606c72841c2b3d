"""Run a batch on a Dask cluster, through the batch's executor seam.

:func:`dask_cluster` connects to a running scheduler (``tcp://host:8786``) or
starts a ``distributed.LocalCluster`` (``local``) and gives
:func:`~exporter.batch.run.run_batch` an executor factory built on Dask's
``concurrent.futures`` interface (``Client.get_executor()``). Planning, the
incremental rebuild, the manifest, progress, failures, ``--zip`` and exit codes
are the local pool's code; only where ``render_job`` runs changes. Dask is
imported here only, and only when a cluster is asked for (``pip install
'exporter[dask]'``).

- **What travels.** Each task carries one :class:`~exporter.engine.jobs.Job`
  (the decoded role and the settings) and returns its rendered bytes; the client
  writes them (:func:`exporter.engine.export.commit`). Workers run the installed
  package with its bundled fonts, so a worker on another machine writes the same
  bytes. The pool keeps at most ``2 × workers`` tasks in flight, so the client
  holds a bounded number of roles and results whatever the batch's size.
- **Keys.** A task's key is ``exporter-render-<source hash>``: the role file's
  bytes and every render input. Dask reruns a lost worker's tasks under the same
  key and hands the client one result per key, so no role is written twice. A
  job the pool resubmits (see below) gets ``-retry<n>`` appended.
- **Same code everywhere.** On connecting, every worker's :func:`code_identity`
  (exporter version and code, templates, styles and fonts, rendering libraries)
  must equal the client's, or the batch stops before any work: a worker with
  other code would write other bytes under hashes that claim otherwise. Workers
  that join later are not checked.
- **Warm workers.** The first task in each worker process loads the brand, fonts
  and stylesheets (:func:`exporter.engine.jobs.init_worker`, before the role's
  clock starts) and the process keeps them; no warm-up role is rendered, so a role
  that crashes WeasyPrint cannot crash a worker while it starts.
- **Dying workers.** Dask reruns the tasks of a worker that died on others. A task
  that was running on ``allowed-failures`` + 1 dying workers (Dask's default 3; 1
  on a ``local`` cluster, see :data:`LOCAL_SCHEDULER_CONFIG`) fails with
  ``KilledWorker`` (or, with no worker left, ``NoValidWorkerError`` once the
  scheduler's ``no-workers-timeout`` passes); the executor reports that as a broken executor, so
  the pool reruns those roles one at a time, exactly as with local processes, and
  a role that kills its worker again is reported with the pool's "worker died"
  message. The other roles export.
- **Time limit.** Dask runs tasks on threads of the worker process, where
  ``SIGALRM`` cannot reach them (the local pool's limit needs the main thread).
  Here a timer thread raises :class:`~exporter.engine.jobs.DocumentTimeout` in
  the task's thread (``PyThreadState_SetAsyncExc``) at the limit, which stops
  Python code; a render stuck in C code does not see it, so ``grace`` seconds later
  the timer ends the worker process and the role is treated as one that kills
  workers (reported "worker died" after Dask's retries).
- **Memory limit.** ``RLIMIT_AS`` would cap the whole worker process, Dask's own
  threads included, so it is not used on Dask. A ``local`` cluster gives each
  worker Dask's memory limit of ``--memory-limit`` plus :data:`WORKER_BASE_MB`
  (the nanny restarts a worker at 95% of it); on a cluster of your own, set the
  workers' ``--memory-limit``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future, InvalidStateError
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from exporter.engine.executors import ExecutorFactory
from exporter.engine.failures import JobFailure
from exporter.engine.jobs import DocumentTimeout, Job, JobResult, Limits, init_worker
from exporter.engine.settings import RENDER_LIBRARIES, package_digest, tree_digest
from exporter.errors import ExporterError
from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from exporter.version import __version__

#: Memory a ``local`` worker may use besides one role's ``--memory-limit``, in MB.
WORKER_BASE_MB = 1024

#: A ``local`` cluster's scheduler: a task whose worker died twice is ``KilledWorker``
#: (the pool then reruns it alone once more), and tasks left with no worker at all for
#: two minutes fail instead of waiting for ever (a nanny can fail to restart its worker
#: when the worker dies while starting, as a role that crashes every worker makes it).
LOCAL_SCHEDULER_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.no-workers-timeout": "120s",
}

#: Seconds to wait for a scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0

#: Exit status of a worker process the time limit's second stage ends.
TIMEOUT_EXIT = 71

_FROZEN = False  # whether this worker process has frozen its long-lived objects


class WorkerKilled(BrokenExecutor):
    """A task's workers kept dying (Dask's ``KilledWorker``), seen as a broken executor."""


@dataclass
class DaskCluster:
    """A connected client: how many tasks it runs at once, and the batch's executor seam."""

    client: Any
    workers: int
    attempts: dict[str, int] = field(default_factory=dict)

    def executor_factory(
        self, workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...]
    ) -> Executor:
        """An :data:`~exporter.engine.pool.ExecutorFactory`: a fresh executor on the client.

        The initializer is not sent: each worker process loads what it keeps on
        its first task instead (see the module doc).
        """
        return DaskExecutor(self.client.get_executor(), self.attempts)

    @property
    def factory(self) -> ExecutorFactory:
        return self.executor_factory


@contextlib.contextmanager
def dask_cluster(address: str, workers: int, limits: Limits | None = None) -> Iterator[DaskCluster]:
    """Connect to the scheduler at ``address``, or start a local cluster of ``workers``.

    An unreachable scheduler is an :class:`ExporterError` before any work. For a
    scheduler of your own, ``workers`` is how many tasks the batch keeps busy at
    once; ``0`` means the cluster's worker threads when it connects.
    """
    try:
        import distributed as dask_distributed
        from dask import config as dask_config
    except ImportError:
        raise ExporterError(
            "--dask needs Dask: pip install 'exporter[dask]' (dask[distributed])"
        ) from None
    distributed: Any = dask_distributed  # untyped: its calls are checked by the tests
    limits = limits or Limits()
    with contextlib.ExitStack() as stack:
        if address == "local":
            stack.enter_context(dask_config.set(LOCAL_SCHEDULER_CONFIG))
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=True,
                    memory_limit=f"{limits.memory_mb + WORKER_BASE_MB}MiB",
                    dashboard_address="127.0.0.1:0",  # never the shared default 8787
                    scheduler_port=0,
                    host="127.0.0.1",
                    silence_logs=logging.ERROR,  # the batch reports per role what went wrong
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(
                    distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
                )
            except (OSError, TimeoutError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ExporterError(
                    f"cannot reach the Dask scheduler at {address}: {reason}"
                ) from None
        _check_workers(address, client.run(code_identity))
        threads = sum(client.nthreads().values())
        yield DaskCluster(client, workers or max(1, threads))


def code_identity() -> str:
    """Hex SHA-256 of what decides a worker's output bytes: the exporter's version and
    code, its templates, styles and bundled fonts, and the rendering libraries' versions."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\0{package_digest()}\0".encode())
    digest.update(f"{tree_digest(TEMPLATES_DIR)}\0{tree_digest(STYLES_DIR)}\0".encode())
    for name in RENDER_LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


def _check_workers(address: str, identities: dict[str, str]) -> None:
    """Refuse workers whose exporter differs from the client's: they would write other bytes."""
    ours = code_identity()
    strangers = sorted(worker for worker, theirs in identities.items() if theirs != ours)
    if strangers:
        raise ExporterError(
            f"Dask workers at {address} run another exporter or rendering library version "
            f"than this client ({', '.join(strangers)}): install the same version everywhere"
        )


class DaskExecutor(Executor):
    """Dask's ``concurrent.futures`` executor, with keys from the role and dying workers
    reported as a broken executor (what the pool's crash recovery expects)."""

    def __init__(self, inner: Any, attempts: dict[str, int]) -> None:
        self._inner = inner
        self._attempts = attempts
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        job = args[0]
        if not isinstance(job, Job):
            raise TypeError("DaskExecutor runs batch jobs: fn(job, ...)")
        attempt = self._attempts.get(job.source_hash, 0)
        self._attempts[job.source_hash] = attempt + 1
        key = f"exporter-render-{job.source_hash}" + (f"-retry{attempt}" if attempt else "")
        inner: Future[Any] = self._inner.submit(
            run_in_worker, fn, *args, key=key, pure=False, **kwargs
        )
        outer: Future[Any] = Future()
        with self._lock:
            self._pending.add(outer)

        def cancel_inner(done: Future[Any]) -> None:
            if done.cancelled():
                inner.cancel()
            with self._lock:
                self._pending.discard(done)

        def forward(done: Future[Any]) -> None:
            if not done.cancelled() and done.exception() is None:
                self._attempts.pop(job.source_hash, None)  # done: never resubmitted
            _settle(outer, done)

        outer.add_done_callback(cancel_inner)
        inner.add_done_callback(forward)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                pending = list(self._pending)
            for future in pending:
                future.cancel()
        self._inner.shutdown(wait=wait)


def _settle(outer: Future[Any], inner: Future[Any]) -> None:
    """Give ``outer`` the outcome of ``inner``; ``KilledWorker`` becomes :class:`WorkerKilled`."""
    try:
        if inner.cancelled():
            outer.cancel()
        elif (error := inner.exception()) is not None:
            if type(error).__name__ in ("KilledWorker", "NoValidWorkerError"):
                outer.set_exception(WorkerKilled(str(error)))
            else:
                outer.set_exception(error)
        else:
            outer.set_result(inner.result())
    except InvalidStateError:  # the batch cancelled it meanwhile
        pass
    # A cancelled future must say so to anyone waiting on it (concurrent.futures.wait).
    with contextlib.suppress(RuntimeError, InvalidStateError):
        if outer.cancelled():
            outer.set_running_or_notify_cancel()


def run_in_worker(fn: Callable[[Job, Any], JobResult], job: Job, *args: Any) -> JobResult:
    """The task a Dask worker runs: ``fn(job, ...)`` (``render_job``) under the job's time limit.

    The worker's kept state is loaded first, outside the role's clock, and then
    frozen out of the garbage collector's sight (as the local pool's workers do):
    ``render_job`` collects after every role, and without the freeze that pass
    walks the whole Dask worker each time.
    """
    global _FROZEN
    init_worker(job.settings)
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()
    deadline = _Deadline(threading.get_ident(), job.limits)
    try:
        try:
            deadline.arm()
            return fn(job, *args)
        finally:
            deadline.disarm()
    except DocumentTimeout:  # landed outside render_job's own handler
        return JobResult(
            job.source, job.role.slug, failure=JobFailure.time_limit(job.limits.seconds)
        )


class _Deadline:
    """Raise DocumentTimeout in one thread at the limit; end the process after the grace."""

    def __init__(self, thread_id: int, limits: Limits) -> None:
        self.thread_id = thread_id
        self.lock = threading.Lock()
        self.armed = False
        self.fired = False
        self.timers = [
            threading.Timer(limits.seconds, self._interrupt),
            threading.Timer(limits.seconds + limits.grace, self._end_process),
        ]
        for timer in self.timers:
            timer.daemon = True

    def arm(self) -> None:
        with self.lock:
            self.armed = True
        for timer in self.timers:
            timer.start()

    def disarm(self) -> None:
        with self.lock:
            self.armed = False
            for timer in self.timers:
                timer.cancel()
            if self.fired:  # not delivered yet: it must not land in the next task
                _async_raise(self.thread_id, None)

    def _interrupt(self) -> None:
        with self.lock:
            if self.armed:
                self.fired = True
                _async_raise(self.thread_id, DocumentTimeout)

    def _end_process(self) -> None:
        with self.lock:
            if self.armed:
                os._exit(TIMEOUT_EXIT)  # deaf to the timeout: Dask reruns or fails the role


def _async_raise(thread_id: int, error: type[BaseException] | None) -> None:
    """Raise ``error`` in thread ``thread_id`` at its next Python instruction (None: cancel)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(error) if error is not None else None
    )
