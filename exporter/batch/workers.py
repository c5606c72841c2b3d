"""What runs inside a batch worker process: render one role, write its files, report.

A worker keeps its brand, its WeasyPrint font configuration and parsed stylesheets
(:func:`exporter.api.pdf_writer`, cached per brand) for its whole life. Each role
runs under two limits:

- time: ``SIGALRM`` (``setitimer``) raises :class:`DocumentTimeout` in the render;
- memory: ``RLIMIT_AS`` is lowered to the current address space plus the limit, so
  growing past it raises :class:`MemoryError`.

Limits apply in worker processes (not when an executor runs jobs on threads of
the calling process). A watchdog thread backs both up: if a role is still running
``grace`` seconds after its time limit (stuck in C code, signals blocked) it ends
the worker process, and the batch reruns the roles that were in flight one at a
time to find the culprit. The watchdog also ends the worker when the batch process
that started it has died.

``EXPORTER_TEST_HOOK`` is a test-only hook, read by workers only: a comma-separated
list of ``ACTION:SLUG[:SECONDS]`` (``SLUG`` may be ``*``). Actions: ``sleep``
(sleeps SECONDS, default an hour, so the time limit stops it), ``hang`` (blocks the
alarm signal, then sleeps: only the watchdog can stop it), ``crash`` (kills its own
process), ``memory`` (allocates until the memory limit stops it). Never set it
outside tests.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from exporter.batch.manifest import OutputRecord, pdf_page_count
from exporter.batch.settings import RenderSettings
from exporter.errors import ExporterError
from exporter.files import write_atomic
from exporter.model.brand import Brand
from exporter.model.role import Role

TEST_HOOK_ENV = "EXPORTER_TEST_HOOK"

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
    """One role to render into ``out_dir`` (picklable: sent to a worker)."""

    role: Role
    source: str
    source_hash: str
    out_dir: Path
    settings: RenderSettings
    limits: Limits


@dataclass(frozen=True)
class JobResult:
    """What a worker reports for one job: the files written, or the error."""

    source: str
    slug: str
    outputs: tuple[OutputRecord, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    peak_rss_kb: int = 0
    pid: int = 0
    warnings: tuple[str, ...] = ()


class _Worker:
    """The state a worker keeps for its life."""

    def __init__(
        self, settings: RenderSettings, sample: Role | None = None, limits: Limits | None = None
    ) -> None:
        self.settings = settings
        self.brand: Brand = settings.load_brand()
        self.options = settings.options(self.brand)
        self.parent = os.getppid()
        self.started: float | None = None  # monotonic start of the running role
        self.deadline = 0.0
        self.hooks = _parse_hooks(os.environ.get(TEST_HOOK_ENV, ""))
        # Limits need a process of our own: signals, RLIMIT_AS and the watchdog act on it all.
        self.enforce = (
            multiprocessing.parent_process() is not None
            and threading.current_thread() is threading.main_thread()
        )
        if "pdf" in settings.formats:
            from exporter.api import pdf_writer

            pdf_writer(self.brand, settings.pdf_variant)  # fonts and stylesheets, once
        if self.enforce:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch handles Ctrl-C
            threading.Thread(target=self._watch, name="exporter-watchdog", daemon=True).start()
        if sample is not None:  # first-use costs (fonts, imports) before any role's clock
            limits = limits or Limits()
            with contextlib.suppress(Exception, DocumentTimeout), _limited(self, limits):
                for fmt in settings.formats:
                    _render(sample, fmt, self)
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
    settings: RenderSettings, sample: Role | None = None, limits: Limits | None = None
) -> None:
    """Executor initializer: load the brand and warm the renderers on a sample role."""
    _worker(settings, sample, limits)


def _worker(
    settings: RenderSettings, sample: Role | None = None, limits: Limits | None = None
) -> _Worker:
    global _WORKER
    if _WORKER is None or _WORKER.settings != settings:
        _WORKER = _Worker(settings, sample, limits)
    return _WORKER


def render_job(job: Job) -> JobResult:
    """Render one role in every format, then write the files; never raises for a bad role."""
    worker = _worker(job.settings)
    slug = job.role.slug
    started = time.perf_counter()
    error: str | None = None
    outputs: tuple[OutputRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    try:
        with _limited(worker, job.limits):
            _test_hook(worker, slug)
            rendered = [_render(job.role, fmt, worker) for fmt in job.settings.formats]
        outputs = tuple(_write(job.out_dir, slug, fmt, data, t) for fmt, data, t in rendered)
        if "pdf" in job.settings.formats:
            from exporter.api import font_warnings

            warnings = tuple(font_warnings(job.role, worker.brand))
    except DocumentTimeout:
        error = f"exceeded the time limit of {job.limits.seconds:g} s"
    except MemoryError:
        error = f"exceeded the memory limit of {job.limits.memory_mb} MB"
    except ExporterError as exc:
        error = str(exc)
    except Exception as exc:  # a renderer bug must not stop the other roles
        error = f"render failed: {type(exc).__name__}: {exc}"
    finally:
        gc.collect()  # python-docx leaves reference cycles: keep the worker flat
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return JobResult(
        job.source, slug, outputs, error, time.perf_counter() - started, peak, os.getpid(), warnings
    )


def _render(role: Role, fmt: str, worker: _Worker) -> tuple[str, bytes, float]:
    from exporter.api import render

    started = time.perf_counter()
    data = render(role, fmt, worker.options)
    return fmt, data, time.perf_counter() - started


def _write(out_dir: Path, slug: str, fmt: str, data: bytes, seconds: float) -> OutputRecord:
    name = f"{slug}.{fmt}"
    write_atomic(out_dir / name, data)
    return OutputRecord(
        format=fmt,
        file=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        render_seconds=round(seconds, 4),
        pages=pdf_page_count(data) if fmt == "pdf" else None,
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


def _parse_hooks(spec: str) -> dict[str, tuple[str, float | None]]:
    hooks: dict[str, tuple[str, float | None]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        action, _, rest = item.partition(":")
        slug, _, seconds = rest.partition(":")
        hooks[slug] = (action, float(seconds) if seconds else None)
    return hooks


def _test_hook(worker: _Worker, slug: str) -> None:
    """Test-only misbehaviour for one role (see the module docstring); no-op unless set."""
    if not worker.hooks:
        return
    action, seconds = worker.hooks.get(slug) or worker.hooks.get("*") or ("", None)
    if action == "sleep":
        time.sleep(3600 if seconds is None else seconds)
    elif action == "hang":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600 if seconds is None else seconds)
    elif action == "crash":
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "memory":
        hoard: list[Any] = []
        while True:
            hoard.append(bytearray(16 * 1024 * 1024))
