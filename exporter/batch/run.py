"""``exporter batch``: bring an output folder up to date with a folder of role files.

:func:`run_batch` plans (hashes every role file; only roles whose source hash
changed are rendered, see :mod:`exporter.batch.plan` and
:mod:`exporter.engine.settings`), runs the jobs on an executor (worker processes
by default, :mod:`exporter.engine.pool`), commits each result through the engine's
one export pipeline (:func:`exporter.engine.export.commit`) and records
``manifest.json`` (:mod:`exporter.engine.records`), ``index.html`` with its
``brand/`` folder and an optional zip (:mod:`exporter.batch.manifest`).

Each output is written to a temporary name in the output folder and renamed into
place when whole, so an interrupted export never leaves a truncated file under a
final name. One bad role never stops the others; the report lists what failed.

What is never lost: a role whose render fails keeps its last good files and
manifest entry, marked ``stale`` with the failure; a role never attempted (a stop,
``--fail-fast``) keeps its previous entry; only files of roles gone from the roles
folder are deleted. SIGINT and SIGTERM only ask to stop
(:mod:`exporter.batch.signals`), so the manifest and index are written after
any number of signals, and a manifest that cannot be written leaves the previous
one and is reported in :attr:`BatchReport.errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from exporter.api import render as api_render
from exporter.batch.manifest import INDEX_NAME, ZIP_NAME, write_index, write_zip
from exporter.batch.overview import OVERVIEW_STEM, update_overview
from exporter.batch.plan import (
    Plan,
    intact,
    job_for,
    plan_roles,
    refuse_out_among_roles,
)
from exporter.batch.progress import Progress, Silent
from exporter.batch.report import BatchReport
from exporter.batch.signals import signals_raise, signals_stop
from exporter.engine.executors import ExecutorFactory, default_jobs, process_pool
from exporter.engine.export import commit, exclusive, make_folder
from exporter.engine.jobs import Job, JobResult, Limits, Renderer
from exporter.engine.pool import Stop, run_jobs
from exporter.engine.records import (
    MANIFEST_NAME,
    FailedRecord,
    Manifest,
    OverviewRecord,
    RoleRecord,
    outputs_intact,
    read_manifest,
    refuse_special,
    write_if_changed,
)
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.files import remove_partials
from exporter.model.brand import Brand

__all__ = ["BatchReport", "Limits", "Settings", "run_batch"]

#: Seconds between manifest checkpoints while a batch runs.
CHECKPOINT_INTERVAL = 1.0


def run_batch(
    paths: Sequence[Path],
    out_dir: Path,
    settings: Settings | None = None,
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
    overview: bool = False,
) -> BatchReport:
    """Bring ``out_dir`` up to date with the role files in ``paths`` (see the module doc).

    ``executor_factory`` and ``render`` are seams: any ``concurrent.futures``
    executor runs the jobs, and ``render(role, format, options) -> bytes`` makes
    each file (tests pass renderers that sleep, crash or hoard memory).

    With ``overview``, ``out_dir`` also gets the all-roles overview of the roles
    exported (:mod:`exporter.batch.overview`); a shard cannot write it.

    A shard of a job array (:mod:`exporter.batch.shards`) passes ``select``, which
    keeps a role by its slug (by its file name when it has no slug), and its own
    ``manifest_name``; it then locks only that manifest, leaves other writers'
    temporary files alone and writes no index.
    """
    run = _BatchRun(
        paths,
        out_dir,
        settings or Settings(),
        limits or Limits(),
        progress or Silent(),
        manifest_name,
        fail_fast,
    )
    if overview and run.sharded:
        raise ExporterError(
            "a shard cannot write the overview: run `exporter overview` after `exporter merge`"
        )
    workers = jobs or default_jobs()
    # The stop signals are ours before the folder exists: whoever waits for it to appear
    # and then signals the batch finds it stoppable.
    with signals_stop(run.stop):
        make_folder(out_dir)
        with exclusive(out_dir, manifest_name if run.sharded else None):
            run.plan(force, select, workers)
            try:
                run.render(workers, executor_factory, render)
            finally:
                run.record(overview)
            report = run.report
            if make_zip and not report.interrupted and not report.errors and not run.sharded:
                run.zip()
    run.report.seconds = time.monotonic() - run.started
    return run.report


class _BatchRun:
    """One :func:`run_batch`: its plan, the records as results arrive, the final write."""

    def __init__(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        settings: Settings,
        limits: Limits,
        progress: Progress,
        manifest_name: str,
        fail_fast: bool,
    ) -> None:
        self.started = time.monotonic()
        self.paths = paths
        self.out_dir = out_dir
        self.settings = settings
        self.limits = limits
        self.progress = progress
        self.manifest_name = manifest_name
        self.fail_fast = fail_fast
        self.sharded = manifest_name != MANIFEST_NAME
        refuse_out_among_roles(paths, out_dir)
        self.brand = settings.load_brand()  # a bad brand fails before the folder is touched
        self.fingerprint = settings.fingerprint(self.brand)
        self.stop = Stop()
        self.previous = Manifest()
        self.batch = Plan()
        self.last_good: dict[str, RoleRecord] = {}
        self.records: dict[str, RoleRecord] = {}
        self.failures: dict[str, FailedRecord] = {}
        self.due_sources: set[str] = set()
        self.handled: set[str] = set()
        self.in_flight: dict[str, Job] = {}  # decoded roles, only while their jobs run
        self.checkpoint = time.monotonic()
        self.report = BatchReport(out_dir, Manifest(), len(paths))

    def plan(self, force: bool, select: Callable[[str], bool] | None, workers: int) -> None:
        """Read the previous manifest and plan the run (under the folder's lock)."""
        out_dir = self.out_dir
        self.refuse_special_records()
        if not self.sharded:  # other shards may be writing this folder right now
            remove_partials(out_dir)
        self.previous = read_manifest(out_dir, self.manifest_name) or Manifest()
        self.batch = plan_roles(
            self.paths,
            out_dir,
            self.settings,
            self.fingerprint,
            self.previous,
            force,
            self.limits,
            select,
        )
        self.last_good = {r.source: r for r in self.previous.roles if intact(out_dir, r)}
        self.records = {r.source: r for r in self.batch.current}
        self.due_sources = {due.source for due in self.batch.jobs}
        total = len(self.paths) - self.batch.skipped
        self.report = BatchReport(out_dir, Manifest(), total, workers=workers)
        self.report.up_to_date = len(self.batch.current)
        self.report.warnings += [str(warning) for warning in self.batch.warnings]
        for failure in self.batch.failed:
            self.fail(failure)

    def refuse_special_records(self) -> None:
        """A FIFO or a device where a record file goes is an error naming it, not a hang."""
        names = [self.manifest_name] if self.sharded else [MANIFEST_NAME, INDEX_NAME, ZIP_NAME]
        for name in names:
            try:
                refuse_special(self.out_dir / name)
            except OSError as exc:
                raise ExporterError(
                    f"{self.out_dir / name}: {exc.strerror}; remove it (the batch writes this file)"
                ) from None

    def fail(self, failure: FailedRecord) -> None:
        """Record a failure; the role's last good files and record stay, marked stale."""
        self.failures[failure.source] = failure
        old = self.last_good.get(failure.source)
        if old is not None and old.slug not in self.batch.claims.taken_by_others(failure.source):
            self.records[failure.source] = dataclasses.replace(old, stale=failure.error)

    def manifest(self, complete: bool = False, overview: OverviewRecord | None = None) -> Manifest:
        """The manifest as things stand."""
        kept = dict(self.records)
        slugs = {record.slug for record in kept.values()}
        for source in sorted(self.due_sources - self.handled):  # not attempted: files stay
            old = self.last_good.get(source)
            if source not in kept and old is not None and old.slug not in slugs:
                kept[source] = old
                slugs.add(old.slug)
        return Manifest(
            self.settings.describe(),
            self.fingerprint,
            tuple(kept.values()),
            tuple(self.failures.values()),
            complete,
            overview,
        )

    def due_jobs(self) -> Iterator[Job]:
        """Each due role's job, decoded only when the pool is ready to submit it."""
        for due in self.batch.jobs:
            try:
                job = job_for(due, self.settings, self.fingerprint, self.limits)
            except ExporterError as exc:  # changed or gone since it was planned
                self.handled.add(due.source)
                self.fail(FailedRecord(due.source, str(exc), due.slug))
                self.progress.done(self.failures[due.source])
                if self.fail_fast:
                    return
                continue
            self.in_flight[due.source] = job
            yield job

    def on_result(self, result: JobResult) -> bool:
        """Commit a job's files and record the outcome; False stops the batch (fail-fast)."""
        job = self.in_flight.pop(result.source)
        self.handled.add(job.source)
        report = self.report
        report.worker_peak_rss_kb = max(report.worker_peak_rss_kb, result.peak_rss_kb)
        where = job.source  # manifests are published: role files by name, no paths
        report.warnings += [f"{where}: {w}" for w in result.warnings]
        outcome = commit(self.out_dir, job, result, where)
        if isinstance(outcome, RoleRecord):
            report.rendered += 1
            self.records[job.source] = outcome
        else:
            self.fail(outcome)
        self.progress.done(outcome)
        if time.monotonic() - self.checkpoint >= CHECKPOINT_INTERVAL:
            checkpoint = self.manifest(overview=self.previous.overview).dumps()
            with contextlib.suppress(OSError):  # the final write reports it
                write_if_changed(self.out_dir / self.manifest_name, checkpoint)
            self.checkpoint = time.monotonic()
        return not (self.fail_fast and isinstance(outcome, FailedRecord))

    def check(self) -> object:
        """A broken template or stylesheet stops the batch before any role (see run_jobs)."""
        return self.settings.check(self.brand)

    def render(self, workers: int, executor_factory: ExecutorFactory, render: Renderer) -> None:
        """Run the due jobs on the pool (failures in the summary, not the progress total)."""
        self.progress.start(self.report.total - len(self.batch.failed), len(self.batch.jobs))
        try:
            if self.batch.jobs and not self.stop.requested:
                run_jobs(
                    self.due_jobs(),
                    self.settings,
                    workers,
                    self.on_result,
                    executor_factory,
                    render,
                    self.stop,
                    started=self.check,
                )
        finally:
            self.progress.finish()

    def record(self, overview: bool) -> None:
        """Write the manifest and the index, whatever happened (signals only count)."""
        report, out_dir = self.report, self.out_dir
        report.interrupted = self.stop.requested
        report.not_attempted = len(self.due_sources - self.handled)
        report.manifest = self.manifest(complete=not report.not_attempted)
        if overview:
            with signals_raise(self.stop):
                report.manifest = _with_overview(
                    report,
                    self.settings,
                    self.brand,
                    self.fingerprint,
                    self.batch.paths,
                    self.previous.overview,
                )
        self.manifest_bytes = report.manifest.dumps()
        if _record(report, out_dir / self.manifest_name, self.manifest_bytes):
            _prune(out_dir, self.previous, report.manifest)
        if not self.sharded:
            try:
                write_index(out_dir, report.manifest, self.brand)
            except OSError as exc:
                path = Path(exc.filename) if exc.filename else out_dir / INDEX_NAME
                report.errors.append(_io_error(path, exc) + f"; the previous {INDEX_NAME} is kept")

    def zip(self) -> None:
        try:
            self.report.zip_path = write_zip(
                self.out_dir, self.report.manifest, self.manifest_bytes
            )
        except OSError as exc:
            self.report.errors.append(_io_error(self.out_dir / ZIP_NAME, exc))


def _with_overview(
    report: BatchReport,
    settings: Settings,
    brand: Brand,
    fingerprint: str,
    paths: dict[str, Path],
    previous: OverviewRecord | None,
) -> Manifest:
    """The run's manifest with the overview brought up to date (see :mod:`.overview`).

    A run that did not attempt every role, was stopped, or whose overview fails,
    keeps the previous overview; a failure is reported in :attr:`BatchReport.errors`.
    The overview renders in this process, so while it does a signal stops it at once
    (the roles' files and records are already settled).
    """
    manifest = report.manifest
    kept = (
        previous
        if previous is not None and outputs_intact(report.out_dir, previous.outputs)
        else None
    )
    if not manifest.complete or report.interrupted:
        return dataclasses.replace(manifest, overview=kept)
    fresh = [record for record in manifest.roles if record.stale is None]
    try:
        made = update_overview(report.out_dir, settings, brand, fingerprint, fresh, paths, previous)
    except KeyboardInterrupt:
        report.interrupted = True
        return dataclasses.replace(manifest, overview=kept)
    except Exception as exc:  # a bad role file or a renderer bug: the roles are safe
        name = report.out_dir / f"{OVERVIEW_STEM}.{settings.formats[0]}"
        report.errors.append(f"{name}: cannot make the overview: {exc}")
        return dataclasses.replace(manifest, overview=kept)
    return dataclasses.replace(manifest, overview=made)


def _record(report: BatchReport, path: Path, data: bytes) -> bool:
    """Write a record file atomically; a failure keeps the previous file and is reported."""
    try:
        write_if_changed(path, data)
    except OSError as exc:
        report.errors.append(_io_error(path, exc) + f"; the previous {path.name} is kept")
        return False
    return True


def _io_error(path: Path, exc: OSError) -> str:
    return f"{path}: cannot write: {exc.strerror or exc}"


def _prune(out_dir: Path, previous: Manifest, current: Manifest) -> None:
    """Delete outputs an earlier run recorded that the new manifest no longer lists.

    Failed and unattempted roles keep their records, so only the files of roles
    removed from the roles folder (or whose output name changed) go.
    """
    keep = set(current.files())
    for name in set(previous.files()) - keep:
        if "/" not in name and not name.startswith("."):
            (out_dir / name).unlink(missing_ok=True)
