"""What runs inside a worker process: render one role in every format, report the bytes.

A worker keeps its brand, its WeasyPrint font configuration and parsed stylesheets
(:func:`exporter.api.writer`, cached per brand and options) for its whole life. Each role
runs under two limits:

- time: ``SIGALRM`` (``setitimer``) raises :class:`DocumentTimeout` in the render;
- memory: ``RLIMIT_AS`` is lowered to the current address space plus the limit, so
  growing past it raises :class:`MemoryError`.

Limits apply in worker processes (not when an executor runs jobs on threads of
the calling process). A watchdog thread backs both up: if a role is still running
``grace`` seconds after its time limit (stuck in C code, signals blocked) it ends
the worker process, and the caller handles the dead worker (the batch reruns the
roles that were in flight one at a time to find the culprit; the service's slots,
:mod:`exporter.engine.slots`, replace it). The watchdog also ends the worker when the batch process
that started it has died.

The job function takes the renderer as an argument (``render``, by default
:func:`exporter.api.render`): the seam through which tests make a role sleep, hang,
crash or hoard memory. Nothing here reads the environment.

A worker renders; it never writes. The rendered bytes go back to the calling
process, which writes them (:func:`exporter.engine.export.commit`): the same code
path whether the jobs ran in worker processes, on threads, in this process or on
another machine. A failure comes back as data (:class:`~exporter.engine.failures.JobFailure`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType

from exporter.api import Format, RenderOptions, clear_caches, font_warnings, writer
from exporter.api import render as api_render
from exporter.engine.failures import Failure, JobFailure
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.brand import Brand
from exporter.model.role import Role

#: ``render(role, format, options) -> bytes``: what a job calls to make one file.
Renderer = Callable[[Role, Format, RenderOptions], bytes]

#: How often the watchdog looks at the running role and the parent process.
WATCH_INTERVAL = 0.2


class DocumentTimeout(BaseException):
    """Raised in a render that ran past its time limit (a BaseException, so that no
    ``except Exception`` inside a renderer can swallow it)."""


@dataclass(frozen=True)
class Limits:
    """Per-role limits: wall seconds, address-space growth in MB, watchdog grace seconds."""

    seconds: float = 60.0
    memory_mb: int = 1024
    grace: float = 10.0


@dataclass(frozen=True)
class Job:
    """One role to render in every format of its settings (picklable: sent to a worker)."""

    role: Role
    source: str
    source_hash: str
    settings: Settings
    limits: Limits = Limits()


@dataclass(frozen=True)
class RenderedFile:
    """One format of one role, rendered and not yet written."""

    format: Format
    data: bytes
    seconds: float


@dataclass(frozen=True)
class JobResult:
    """What a job reports: every format rendered, or the error (then no file at all)."""

    source: str
    slug: str
    files: tuple[RenderedFile, ...] = ()
    failure: JobFailure | None = None
    seconds: float = 0.0
    peak_rss_kb: int = 0
    pid: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def error(self) -> str | None:
        """The failure's message, or None when every format rendered."""
        return None if self.failure is None else self.failure.message


class _Worker:
    """The state a worker keeps for its life."""

    def __init__(
        self,
        settings: Settings,
        sample: Role | None = None,
        limits: Limits | None = None,
        brand: Brand | None = None,
    ) -> None:
        self.settings = settings
        self.brand: Brand = brand if brand is not None else settings.load_brand()
        self.options = settings.options(self.brand)
        self.parent = os.getppid()
        self.started: float | None = None  # monotonic start of the running role
        self.rendered = 0  # roles this worker has rendered
        self.deadline = 0.0
        # Limits need a process of our own: signals, RLIMIT_AS and the watchdog act on it all.
        self.enforce = (
            multiprocessing.parent_process() is not None
            and threading.current_thread() is threading.main_thread()
        )
        if "pdf" in settings.formats:
            writer("pdf", self.brand, self.options.pdf)  # once
        if self.enforce:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch handles Ctrl-C
            threading.Thread(target=self._watch, name="exporter-watchdog", daemon=True).start()
        if sample is not None:  # first-use costs (fonts, imports) before any role's clock
            limits = limits or Limits()
            with contextlib.suppress(Exception, DocumentTimeout), _limited(self, limits):
                for fmt in settings.formats:
                    api_render(sample, fmt, self.options)
        if self.enforce:
            gc.collect()
            gc.freeze()  # long-lived objects: later collections skip them

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL)
            if os.getppid() != self.parent:
                os._exit(70)  # the batch is gone: nobody will collect our results
            started = self.started
            if started is not None and time.monotonic() - started > self.deadline:
                os._exit(71)  # past the time limit and deaf to the alarm


_WORKER: _Worker | None = None


def init_worker(
    settings: Settings,
    sample: Role | None = None,
    limits: Limits | None = None,
    brand: Brand | None = None,
) -> None:
    """Executor initializer: load the brand (unless given) and warm the renderers on a
    sample role."""
    _worker(settings, sample, limits, brand)


def worker_pid() -> int:
    """Run in a new worker so that it starts (and its initializer runs) now; its pid."""
    return os.getpid()


def reset_worker() -> None:
    """Forget this process's worker state (its brand and options) and the API's caches,
    so the next job loads every render input anew."""
    global _WORKER
    _WORKER = None
    clear_caches()


def _worker(
    settings: Settings,
    sample: Role | None = None,
    limits: Limits | None = None,
    brand: Brand | None = None,
) -> _Worker:
    global _WORKER
    if _WORKER is None or _WORKER.settings != settings:
        _WORKER = _Worker(settings, sample, limits, brand)
    return _WORKER


def render_job(job: Job, render: Renderer = api_render) -> JobResult:
    """Render one role in every format, under the job's limits; never raises for a bad role.

    Every format is rendered before anything is reported, so a role whose DOCX
    fails yields no PDF either.
    """
    worker = _worker(job.settings)
    slug = job.role.slug
    started = time.perf_counter()
    if worker.rendered:
        # python-docx leaves reference cycles: collect the previous role's before this
        # one, which keeps the worker flat and costs a single-role run nothing.
        gc.collect()
    worker.rendered += 1
    failure: JobFailure | None = None
    files: list[RenderedFile] = []
    warnings: tuple[str, ...] = ()
    try:
        with _limited(worker, job.limits):
            for fmt in job.settings.formats:
                began = time.perf_counter()
                data = render(job.role, fmt, worker.options)
                files.append(RenderedFile(fmt, data, round(time.perf_counter() - began, 4)))
        if "pdf" in job.settings.formats:
            warnings = tuple(font_warnings(job.role, worker.brand))
    except DocumentTimeout:
        failure = JobFailure.time_limit(job.limits.seconds)
    except MemoryError:
        failure = JobFailure.memory_limit(job.limits.memory_mb)
    except ExporterError as exc:
        failure = JobFailure(Failure.INVALID, str(exc))
    except Exception as exc:  # a renderer bug must not stop the other roles
        failure = JobFailure.renderer_bug(exc)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return JobResult(
        job.source,
        slug,
        () if failure else tuple(files),
        failure,
        time.perf_counter() - started,
        peak,
        os.getpid(),
        warnings,
    )


@contextlib.contextmanager
def _limited(worker: _Worker, limits: Limits) -> Iterator[None]:
    """Run the block under the time and memory limits (in a worker process only)."""
    if not worker.enforce:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    worker.deadline = limits.seconds + limits.grace
    worker.started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, limits.seconds)
        ceiling = _address_space() + limits.memory_mb * 1024 * 1024
        if hard == resource.RLIM_INFINITY or ceiling < hard:
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # an alarm landing just now must not leave the memory limit set
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            worker.started = None


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise DocumentTimeout


def _address_space() -> int:
    """Bytes of virtual memory this process maps now."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()
