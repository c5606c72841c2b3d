"""``exporter batch``: bring an output folder up to date with a folder of role files.

:func:`run_batch` plans (hashes every role file; only roles whose source hash
changed are rendered, see :mod:`exporter.batch.settings`), runs the jobs on an
executor (worker processes by default, :mod:`exporter.batch.pool`), commits each
result through the one export pipeline (:mod:`exporter.batch.export`) and records
``manifest.json``, ``index.html`` and an optional zip (:mod:`exporter.batch.manifest`).

Each output is written to a temporary name in the output folder and renamed into
place when whole, so an interrupted export never leaves a truncated file under a
final name. One bad role never stops the others; the report lists what failed.

What is never lost: a role whose render fails keeps its last good files and
manifest entry, marked ``stale`` with the failure; a role never attempted (a stop,
``--fail-fast``) keeps its previous entry; only files of roles gone from the roles
folder are deleted. SIGINT and SIGTERM only ask to stop
(:class:`~exporter.batch.pool.Stop`), so the manifest and index are written after
any number of signals, and a manifest that cannot be written leaves the previous
one and is reported in :attr:`BatchReport.errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from exporter.batch.export import commit, exclusive, make_folder
from exporter.batch.manifest import (
    INDEX_NAME,
    MANIFEST_NAME,
    ZIP_NAME,
    FailedRecord,
    Manifest,
    OverviewRecord,
    RoleRecord,
    index_html,
    outputs_intact,
    read_manifest,
    write_if_changed,
    write_zip,
)
from exporter.batch.overview import OVERVIEW_STEM, update_overview
from exporter.batch.pool import ExecutorFactory, Stop, default_jobs, process_pool, run_jobs
from exporter.batch.progress import Progress, Silent
from exporter.batch.settings import RenderSettings, role_hash
from exporter.batch.workers import Job, JobResult, Limits, Renderer
from exporter.errors import ExporterError, RoleError
from exporter.files import remove_partials
from exporter.model.brand import Brand
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
    errors: list[str] = field(default_factory=list)  #: record files that could not be written

    @property
    def stale(self) -> int:
        """Roles whose last good files are kept after their render failed."""
        return sum(r.stale is not None for r in self.manifest.roles)

    @property
    def failures(self) -> tuple[FailedRecord, ...]:
        return self.manifest.failed

    @property
    def ok(self) -> bool:
        return (
            not self.failures
            and not self.not_attempted
            and not self.interrupted
            and not self.errors
        )

    def summary(self) -> str:
        """One line for people: how many roles were exported, rendered, failed."""
        fresh = len(self.manifest.roles) - self.stale
        return (
            f"{fresh} of {self.total} roles exported to {self.out_dir} "
            f"({self.rendered} rendered, {self.up_to_date} up to date"
            + (f", {len(self.failures)} failed" if self.failures else "")
            + (f", {self.stale} kept stale" if self.stale else "")
            + (f", {self.not_attempted} not attempted" if self.not_attempted else "")
            + f") in {self.seconds:.1f} s"
            + self._overview_note()
        )

    def _overview_note(self) -> str:
        overview = self.manifest.overview
        if overview is None:
            return ""
        names = "/".join(o.file for o in overview.outputs)
        return f"; {names}: all {overview.roles} roles"

    def to_json(self) -> dict[str, Any]:
        """The run's summary for scripts (``exporter batch --json``)."""
        return {
            "ok": self.ok,
            "out_dir": str(self.out_dir),
            "roles": self.total,
            "exported": len(self.manifest.roles) - self.stale,
            "stale": self.stale,
            "rendered": self.rendered,
            "up_to_date": self.up_to_date,
            "failed": [f.to_json() for f in sorted(self.failures, key=lambda f: f.source)],
            "warnings": self.warnings,
            "errors": self.errors,
            "not_attempted": self.not_attempted,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "worker_peak_rss_mb": round(self.worker_peak_rss_kb / 1024, 1),
            "manifest": str(self.out_dir / MANIFEST_NAME),
            "index": str(self.out_dir / INDEX_NAME),
            "zip": str(self.zip_path) if self.zip_path else None,
            "overview": (
                None
                if self.manifest.overview is None
                else [str(self.out_dir / o.file) for o in self.manifest.overview.outputs]
            ),
        }


@dataclass(frozen=True, slots=True)
class _Due:
    """A role file to render: what planning learnt of it, without the decoded role.

    The role is read and decoded again when its job is submitted (:func:`_job`), so
    a batch holds a decoded role only for the jobs in flight, not for every role:
    tens of kilobytes a role, gigabytes for a hundred thousand. Decoding twice costs
    milliseconds against a render's tenths of a second.
    """

    source: str
    path: Path
    source_hash: str
    slug: str


@dataclass
class _Plan:
    """Which roles are current, which must be rendered, which failed before rendering."""

    current: list[RoleRecord] = field(default_factory=list)
    jobs: list[_Due] = field(default_factory=list)
    failed: list[FailedRecord] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[RoleWarning] = field(default_factory=list)
    holders: dict[str, str] = field(default_factory=dict)  #: slug -> role file holding it

    def taken_by_others(self, source: str) -> set[str]:
        """Slugs given to role files other than ``source`` in this run."""
        return {slug for slug, holder in self.holders.items() if holder != source}

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
    started = time.monotonic()
    settings = settings or RenderSettings()
    limits = limits or Limits()
    progress = progress or Silent()
    workers = jobs or default_jobs()
    _refuse_out_among_roles(paths, out_dir)
    brand = settings.load_brand()  # a bad brand fails before the output folder is touched
    fingerprint = settings.fingerprint(brand)
    make_folder(out_dir)
    stop = Stop()
    sharded = manifest_name != MANIFEST_NAME
    if overview and sharded:
        raise ExporterError(
            "a shard cannot write the overview: run `exporter overview` after `exporter merge`"
        )
    with exclusive(out_dir, manifest_name if sharded else None), _signals_stop(stop):
        if not sharded:  # other shards may be writing this folder right now
            remove_partials(out_dir)
        previous = read_manifest(out_dir, manifest_name) or Manifest()
        plan = _plan(paths, out_dir, settings, fingerprint, previous, force, limits, select)
        last_good = {r.source: r for r in previous.roles if _intact(out_dir, r)}
        records = {r.source: r for r in plan.current}
        failures: dict[str, FailedRecord] = {}
        due_sources = {due.source for due in plan.jobs}
        in_flight: dict[str, Job] = {}  # decoded roles, only while their jobs run
        report = BatchReport(out_dir, Manifest(), len(paths) - plan.skipped, workers=workers)
        report.up_to_date = len(plan.current)
        report.warnings += [str(warning) for warning in plan.warnings]

        def fail(failure: FailedRecord) -> None:
            """Record a failure; the role's last good files and record stay, marked stale."""
            failures[failure.source] = failure
            old = last_good.get(failure.source)
            if old is not None and old.slug not in plan.taken_by_others(failure.source):
                records[failure.source] = dataclasses.replace(old, stale=failure.error)

        for failure in plan.failed:
            fail(failure)
        checkpoint = [time.monotonic()]
        handled: set[str] = set()

        def manifest(
            complete: bool = False, overview: OverviewRecord | None = previous.overview
        ) -> Manifest:
            """The manifest as things stand; checkpoints keep listing the previous overview."""
            kept = dict(records)
            slugs = {record.slug for record in kept.values()}
            for source in sorted(due_sources - handled):  # not attempted: previous files stay
                old = last_good.get(source)
                if source not in kept and old is not None and old.slug not in slugs:
                    kept[source] = old
                    slugs.add(old.slug)
            return Manifest(
                settings.describe(),
                fingerprint,
                tuple(kept.values()),
                tuple(failures.values()),
                complete,
                overview,
            )

        def due_jobs() -> Iterator[Job]:
            """Each due role's job, decoded only when the pool is ready to submit it."""
            for due in plan.jobs:
                try:
                    job = _job(due, settings, fingerprint, limits)
                except ExporterError as exc:  # changed or gone since it was planned
                    handled.add(due.source)
                    fail(FailedRecord(due.source, str(exc), due.slug))
                    progress.done(failures[due.source])
                    if fail_fast:
                        return
                    continue
                in_flight[due.source] = job
                yield job

        def on_result(result: JobResult) -> bool:
            job = in_flight.pop(result.source)
            handled.add(job.source)
            report.worker_peak_rss_kb = max(report.worker_peak_rss_kb, result.peak_rss_kb)
            where = job.source  # manifests are published: role files by name, no paths
            report.warnings += [f"{where}: {w}" for w in result.warnings]
            outcome = commit(out_dir, job, result, where)
            if isinstance(outcome, RoleRecord):
                report.rendered += 1
                records[job.source] = outcome
            else:
                fail(outcome)
            progress.done(outcome)
            if time.monotonic() - checkpoint[0] >= CHECKPOINT_INTERVAL:
                with contextlib.suppress(OSError):  # the final write reports it
                    write_if_changed(out_dir / manifest_name, manifest().dumps())
                checkpoint[0] = time.monotonic()
            return not (fail_fast and isinstance(outcome, FailedRecord))

        progress.start(report.total - len(plan.failed), len(plan.jobs))  # failures: in the summary
        try:
            if plan.jobs and not stop.requested:
                # a broken template or stylesheet stops the batch before any role
                def check() -> object:  # while the workers start (see run_jobs)
                    return settings.options(brand).check(settings.formats)

                run_jobs(
                    due_jobs(),
                    settings,
                    workers,
                    on_result,
                    executor_factory,
                    render,
                    stop,
                    started=check,
                )
        finally:
            progress.finish()
            report.interrupted = stop.requested
            report.not_attempted = len(due_sources - handled)
            report.manifest = manifest(complete=not report.not_attempted, overview=None)
            if overview:
                report.manifest = _with_overview(
                    report, settings, brand, fingerprint, plan.paths, previous.overview
                )
            manifest_bytes = report.manifest.dumps()
            if _record(report, out_dir / manifest_name, manifest_bytes):
                _prune(out_dir, previous, report.manifest)
            if not sharded:
                title = f"{brand.name} reports"
                _record(report, out_dir / INDEX_NAME, index_html(report.manifest, title))
        if make_zip and not report.interrupted and not report.errors and not sharded:
            try:
                report.zip_path = write_zip(out_dir, report.manifest, manifest_bytes)
            except OSError as exc:
                report.errors.append(_io_error(out_dir / ZIP_NAME, exc))
    report.seconds = time.monotonic() - started
    return report


def _with_overview(
    report: BatchReport,
    settings: RenderSettings,
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
        with _signals_raise():
            made = update_overview(
                report.out_dir, settings, brand, fingerprint, fresh, paths, previous
            )
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


def _refuse_out_among_roles(paths: Sequence[Path], out_dir: Path) -> None:
    """The output folder must not be the roles folder: its manifest would be read as a role."""
    target = out_dir.resolve()
    for folder in {path.parent for path in paths}:
        if folder.resolve() == target:
            raise ExporterError(
                f"{out_dir}: the output folder is the folder of role files; choose another --out"
            )


def source_name(path: Path) -> str:
    """The name a role file is known by in the manifest: its file name, any bytes escaped.

    A name that is not valid UTF-8 shows its odd bytes as ``\\xNN``.
    """
    return os.fsencode(path.name).decode("utf-8", "backslashreplace")


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
    """Hash every role file; the ones whose outputs are current are not even parsed.

    Output names (slugs) are then given out: a slug the previous manifest gave to a
    role file that is still here stays with it (even while that role fails); any
    other role wanting it is the error, whatever the order of the file names.
    Among newcomers, the first by file name wins.
    """
    plan = _Plan()
    known = {record.source: record for record in previous.roles}
    wanted: list[tuple[str, str, Path, RoleRecord | _Due]] = []  # slug, source, path, what
    for path in paths:
        source = source_name(path)
        plan.paths[source] = path
        if source != path.name:
            plan.failed.append(
                FailedRecord(source, f"{source}: file name is not valid UTF-8; rename the file")
            )
            continue
        try:
            raw = read_file(path, MAX_FILE_BYTES, source)  # regular files only, bounded
        except RoleError as exc:
            if select is None or select(source):
                plan.failed.append(FailedRecord(source, _skipped(str(exc))))
            else:
                plan.skipped += 1
            continue
        source_hash = role_hash(fingerprint, raw)
        old = known.get(source)
        if (
            not force
            and old is not None
            and old.source_hash == source_hash
            and _intact(out_dir, old, settings.formats)
            and (select is None or select(old.slug))
        ):
            wanted.append((old.slug, source, path, dataclasses.replace(old, stale=None)))
            continue
        try:
            loaded = decode_role(raw, source)
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
        wanted.append(
            (loaded.role.slug, source, path, _Due(source, path, source_hash, loaded.role.slug))
        )
    present = set(plan.paths)
    wanting = {source: slug for slug, source, _, _ in wanted}
    for record in previous.roles:
        # A present role keeps its slug unless it now wants another one.
        if record.source in present and wanting.get(record.source, record.slug) == record.slug:
            plan.holders.setdefault(record.slug, record.source)
    for slug, source, _path, what in wanted:
        holder = plan.holders.setdefault(slug, source)
        if holder != source:
            message = f"{source}: output name {slug!r} is already used by {holder}"
            plan.failed.append(FailedRecord(source, message, slug))
        elif isinstance(what, _Due):
            plan.jobs.append(what)
        else:
            plan.current.append(what)
    return plan


def _job(due: _Due, settings: RenderSettings, fingerprint: str, limits: Limits) -> Job:
    """The job for a due role: its file read and decoded again, and checked unchanged.

    A file edited since planning is not rendered (its source hash and output name
    were decided on the old bytes): the role fails with a message saying so, and the
    next run picks the new bytes up.
    """
    raw = read_file(due.path, MAX_FILE_BYTES, due.source)
    if role_hash(fingerprint, raw) != due.source_hash:
        raise ExporterError(f"{due.source}: changed while the batch ran; run the batch again")
    return Job(decode_role(raw, due.source).role, due.source, due.source_hash, settings, limits)


def _skipped(message: str) -> str:
    """A role entry that is no regular file (folder, FIFO, device, broken link) says so."""
    if message.endswith("not a regular file") or "No such file" in message:
        return f"{message}; skipped (not a readable regular file)"
    return message


def _intact(out_dir: Path, record: RoleRecord, formats: tuple[str, ...] | None = None) -> bool:
    """The record's outputs are the formats asked for, present with their recorded sizes."""
    if formats is not None and sorted(o.format for o in record.outputs) != sorted(formats):
        return False
    return outputs_intact(out_dir, record.outputs)


def _prune(out_dir: Path, previous: Manifest, current: Manifest) -> None:
    """Delete outputs an earlier run recorded that the new manifest no longer lists.

    Failed and unattempted roles keep their records, so only the files of roles
    removed from the roles folder (or whose output name changed) go.
    """
    keep = set(current.files())
    for name in set(previous.files()) - keep:
        if "/" not in name and not name.startswith("."):
            (out_dir / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _on_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """``handler`` answers SIGINT and SIGTERM while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in before.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def _signals_stop(stop: Stop) -> contextlib.AbstractContextManager[None]:
    """SIGINT and SIGTERM ask the batch to stop instead of raising mid-write.

    The first lets running roles finish; a second kills the workers (see
    :class:`~exporter.batch.pool.Stop`). Outside the main thread signals are
    left alone.
    """
    return _on_signals(lambda signum, frame: stop.request())


def _signals_raise() -> contextlib.AbstractContextManager[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt (for work done in this process)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return _on_signals(interrupt)
