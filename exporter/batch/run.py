"""``exporter batch``: bring an output folder up to date with a folder of role files.

:func:`run_batch` plans (hashes every role file; only roles whose source hash
changed are rendered, see :mod:`exporter.batch.settings`), runs the jobs on an
executor (worker processes by default, :mod:`exporter.batch.pool`), commits each
result through the one export pipeline (:mod:`exporter.batch.export`) and records
``manifest.json``, ``index.html`` and an optional zip (:mod:`exporter.batch.manifest`).

Each output is written to a temporary name in the output folder and renamed into
place when whole, so an interrupted export never leaves a truncated file under a
final name. One bad role never stops the others; the report lists what failed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from exporter.api import render as api_render
from exporter.batch.export import SlugClaims, commit
from exporter.batch.manifest import (
    INDEX_NAME,
    MANIFEST_NAME,
    FailedRecord,
    Manifest,
    RoleRecord,
    index_html,
    read_manifest,
    write_if_changed,
    write_zip,
)
from exporter.batch.pool import ExecutorFactory, default_jobs, process_pool, run_jobs
from exporter.batch.progress import Progress, Silent
from exporter.batch.settings import RenderSettings, role_hash
from exporter.batch.workers import Job, JobResult, Limits, Renderer
from exporter.errors import ExporterError, RoleError
from exporter.files import remove_partials
from exporter.model.jsonfile import read_file
from exporter.model.role import MAX_FILE_BYTES
from exporter.model.rolefile import RoleWarning, decode_role

__all__ = ["BatchReport", "Limits", "RenderSettings", "run_batch"]

#: Seconds between manifest checkpoints while a batch runs.
CHECKPOINT_INTERVAL = 1.0


@dataclass
class BatchReport:
    """What :func:`run_batch` did: the new manifest and this run's counts."""

    out_dir: Path
    manifest: Manifest
    total: int
    rendered: int = 0
    up_to_date: int = 0
    not_attempted: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    workers: int = 0
    worker_peak_rss_kb: int = 0
    zip_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failures(self) -> tuple[FailedRecord, ...]:
        return self.manifest.failed

    @property
    def ok(self) -> bool:
        return not self.failures and not self.not_attempted and not self.interrupted

    def summary(self) -> str:
        """One line for people: how many roles were exported, rendered, failed."""
        return (
            f"{len(self.manifest.roles)} of {self.total} roles exported to {self.out_dir} "
            f"({self.rendered} rendered, {self.up_to_date} up to date"
            + (f", {len(self.failures)} failed" if self.failures else "")
            + (f", {self.not_attempted} not attempted" if self.not_attempted else "")
            + f") in {self.seconds:.1f} s"
        )

    def to_json(self) -> dict[str, Any]:
        """The run's summary for scripts (``exporter batch --json``)."""
        return {
            "ok": self.ok,
            "out_dir": str(self.out_dir),
            "roles": self.total,
            "exported": len(self.manifest.roles),
            "rendered": self.rendered,
            "up_to_date": self.up_to_date,
            "failed": [f.to_json() for f in sorted(self.failures, key=lambda f: f.source)],
            "warnings": self.warnings,
            "not_attempted": self.not_attempted,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "worker_peak_rss_mb": round(self.worker_peak_rss_kb / 1024, 1),
            "manifest": str(self.out_dir / MANIFEST_NAME),
            "index": str(self.out_dir / INDEX_NAME),
            "zip": str(self.zip_path) if self.zip_path else None,
        }


@dataclass
class _Plan:
    """Which roles are current, which must be rendered, which failed before rendering."""

    current: list[RoleRecord] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    failed: list[FailedRecord] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[RoleWarning] = field(default_factory=list)
    skipped: int = 0  # roles another shard renders


def run_batch(
    paths: Sequence[Path],
    out_dir: Path,
    settings: RenderSettings | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    fail_fast: bool = False,
    limits: Limits | None = None,
    progress: Progress | None = None,
    make_zip: bool = False,
    executor_factory: ExecutorFactory = process_pool,
    render: Renderer = api_render,
    manifest_name: str = MANIFEST_NAME,
    select: Callable[[str], bool] | None = None,
) -> BatchReport:
    """Bring ``out_dir`` up to date with the role files in ``paths`` (see the module doc).

    ``executor_factory`` and ``render`` are seams: any ``concurrent.futures``
    executor runs the jobs, and ``render(role, format, options) -> bytes`` makes
    each file (tests pass renderers that sleep, crash or hoard memory).

    A shard of a job array (:mod:`exporter.batch.shards`) passes ``select``, which
    keeps a role by its slug (by its file name when it has no slug), and its own
    ``manifest_name``; it then locks only that manifest, leaves other writers'
    temporary files alone and writes no index.
    """
    started = time.monotonic()
    settings = settings or RenderSettings()
    limits = limits or Limits()
    progress = progress or Silent()
    workers = jobs or default_jobs()
    brand = settings.load_brand()  # a bad brand fails before the output folder is touched
    fingerprint = settings.fingerprint(brand)
    out_dir.mkdir(parents=True, exist_ok=True)
    sharded = manifest_name != MANIFEST_NAME
    with _exclusive(out_dir, manifest_name if sharded else None):
        if not sharded:
            remove_partials(out_dir)
        previous = read_manifest(out_dir, manifest_name) or Manifest()
        plan = _plan(paths, out_dir, settings, fingerprint, previous, force, limits, select)
        records = {r.source: r for r in plan.current}
        failures = {f.source: f for f in plan.failed}
        roles = {job.source: job for job in plan.jobs}
        report = BatchReport(out_dir, Manifest(), len(paths) - plan.skipped, workers=workers)
        report.up_to_date = len(plan.current)
        report.warnings += [str(warning) for warning in plan.warnings]
        if plan.jobs:  # a broken template or stylesheet stops the batch before any role
            settings.options(brand).check(settings.formats)
        checkpoint = [time.monotonic()]
        handled = [0]

        def manifest() -> Manifest:
            return Manifest(
                settings.describe(), fingerprint, tuple(records.values()), tuple(failures.values())
            )

        def on_result(result: JobResult) -> bool:
            job = roles[result.source]
            handled[0] += 1
            report.worker_peak_rss_kb = max(report.worker_peak_rss_kb, result.peak_rss_kb)
            where = plan.paths[job.source]
            report.warnings += [f"{where}: {w}" for w in result.warnings]
            outcome = commit(out_dir, job, result, where)
            if isinstance(outcome, RoleRecord):
                report.rendered += 1
                records[job.source] = outcome
            else:
                failures[job.source] = outcome
            progress.done(outcome)
            if time.monotonic() - checkpoint[0] >= CHECKPOINT_INTERVAL:
                write_if_changed(out_dir / manifest_name, manifest().dumps())
                checkpoint[0] = time.monotonic()
            return not (fail_fast and isinstance(outcome, FailedRecord))

        progress.start(report.total - len(plan.failed), len(plan.jobs))  # failures: in the summary
        try:
            if plan.jobs:
                with _terminate_as_interrupt():
                    run_jobs(plan.jobs, settings, workers, on_result, executor_factory, render)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            progress.finish()
            report.manifest = manifest()
            manifest_bytes = report.manifest.dumps()
            write_if_changed(out_dir / manifest_name, manifest_bytes)
        report.not_attempted = len(plan.jobs) - handled[0]
        if not report.interrupted and not report.not_attempted:
            _prune(out_dir, previous, report.manifest)
        if not sharded:
            index = index_html(report.manifest, f"{brand.name} reports")
            write_if_changed(out_dir / INDEX_NAME, index)
        if make_zip and not report.interrupted and not sharded:
            report.zip_path = write_zip(out_dir, report.manifest, manifest_bytes)
    report.seconds = time.monotonic() - started
    return report


def _plan(
    paths: Sequence[Path],
    out_dir: Path,
    settings: RenderSettings,
    fingerprint: str,
    previous: Manifest,
    force: bool,
    limits: Limits,
    select: Callable[[str], bool] | None = None,
) -> _Plan:
    """Hash every role file; the ones whose outputs are current are not even parsed."""
    plan = _Plan()
    known = {record.source: record for record in previous.roles}
    claims = SlugClaims()
    for path in paths:
        source = path.name
        plan.paths[source] = path
        try:
            raw = read_file(path, MAX_FILE_BYTES, str(path))  # regular files only, bounded
        except RoleError as exc:
            if select is None or select(source):
                plan.failed.append(FailedRecord(source, str(exc)))
            else:
                plan.skipped += 1
            continue
        source_hash = role_hash(fingerprint, raw)
        old = known.get(source)
        if (
            not force
            and old is not None
            and old.source_hash == source_hash
            and old.slug not in claims.holders
            and _intact(out_dir, old, settings.formats)
            and (select is None or select(old.slug))
        ):
            claims.claim(old.slug, path)
            plan.current.append(old)
            continue
        try:
            loaded = decode_role(raw, str(path))
        except RoleError as exc:
            if select is None or select(source):
                plan.failed.append(FailedRecord(source, str(exc)))
            else:
                plan.skipped += 1
            continue
        if select is not None and not select(loaded.role.slug):
            plan.skipped += 1
            continue
        plan.warnings.extend(loaded.warnings)
        role = loaded.role
        clash = claims.claim(role.slug, path)
        if clash is not None:
            plan.failed.append(FailedRecord(source, clash, role.slug))
            continue
        plan.jobs.append(Job(role, source, source_hash, settings, limits))
    return plan


def _intact(out_dir: Path, record: RoleRecord, formats: tuple[str, ...]) -> bool:
    """The record's outputs are the formats asked for, present with their recorded sizes."""
    if sorted(o.format for o in record.outputs) != sorted(formats):
        return False
    for output in record.outputs:
        try:
            if (out_dir / output.file).stat().st_size != output.size:
                return False
        except OSError:
            return False
    return True


def _prune(out_dir: Path, previous: Manifest, current: Manifest) -> None:
    """Delete outputs an earlier run recorded that the new manifest no longer lists."""
    keep = set(current.files())
    for name in set(previous.files()) - keep:
        if "/" not in name and not name.startswith("."):
            (out_dir / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _exclusive(out_dir: Path, manifest_name: str | None = None) -> Iterator[None]:
    """Lock the output folder itself: two batches never write one folder at once.

    A shard locks ``.<manifest_name>.lock`` in the folder instead, so that the
    shards of a job array may write one folder at the same time.
    """
    if manifest_name is None:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    else:
        fd = os.open(out_dir / f".{manifest_name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExporterError(f"{out_dir}: another batch is writing to this folder") from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the batch the way Ctrl-C does: finish what runs, record it, exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before if before is not None else signal.SIG_DFL)
