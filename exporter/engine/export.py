"""The one export pipeline: rendered roles become files and manifest records.

Whoever ran a job (a worker process, a thread, this process, another machine),
its :class:`~exporter.engine.jobs.JobResult` comes here: :func:`commit` writes
every file atomically and returns the record the manifest keeps, or the failure.
``exporter render`` (:func:`export_files`) and ``exporter batch``
(:func:`exporter.batch.run.run_batch`) both go through it, with the same job
function (:func:`~exporter.engine.jobs.render_job`) and the same records
(:mod:`exporter.engine.records`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from exporter.engine.claims import SlugClaims
from exporter.engine.jobs import Job, JobResult, Renderer, init_worker, render_job
from exporter.engine.records import FailedRecord, OutputRecord, RoleRecord
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.files import atomic_path
from exporter.model.brand import Brand
from exporter.model.role import Role
from exporter.model.rolefile import RoleWarning, load_role_checked
from exporter.report.outline import figures

#: What exporting one role came to: its files' record, or why it failed.
Outcome = RoleRecord | FailedRecord


def make_folder(out_dir: Path) -> None:
    """Create the output folder; a failure names the folder and the operation."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExporterError(f"{out_dir}: cannot create the output folder: {exc.strerror}") from None


@contextlib.contextmanager
def exclusive(out_dir: Path, manifest_name: str | None = None) -> Iterator[None]:
    """Lock the output folder itself: two exports never write one folder at once.

    ``exporter batch`` and ``exporter render`` both hold it while they write; a
    second one fails at once with a clear error instead of waiting. A shard of a
    job array locks ``.<manifest_name>.lock`` in the folder instead, so that the
    shards may write one folder at the same time (their roles never overlap).
    """
    try:
        if manifest_name is None:
            fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
        else:
            fd = os.open(out_dir / f".{manifest_name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ExporterError(f"{out_dir}: cannot open the output folder: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExporterError(f"{out_dir}: another export is writing to this folder") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def commit(out_dir: Path, job: Job, result: JobResult, where: Path | str) -> Outcome:
    """Write a job's files into ``out_dir`` atomically; the role's record, or its failure.

    ``where`` is the role file, named in every message. All of a role's files are
    written to temporary names first and renamed into place only when every one
    was written, so a write that fails (disk full, no rights) leaves the role's
    previous files untouched; the failure names the file and the operation.
    """
    if result.error is not None:
        return FailedRecord(job.source, f"{where}: {result.error}", job.role.slug)
    names = [f"{result.slug}.{rendered.format}" for rendered in result.files]
    current = " and ".join(names)
    try:
        with contextlib.ExitStack() as stack:
            for name, rendered in zip(names, result.files, strict=True):
                current = name
                temp = stack.enter_context(atomic_path(out_dir / name))
                temp.write_bytes(rendered.data)
            current = " and ".join(names)  # synced and renamed as the stack closes
    except OSError as exc:
        message = f"{where}: cannot write {current} in the output folder: {exc.strerror or exc}"
        return FailedRecord(job.source, message, job.role.slug)
    outputs = [
        OutputRecord.of(rendered.format, name, rendered.data, rendered.seconds)
        for name, rendered in zip(names, result.files, strict=True)
    ]
    role: Role = job.role
    return RoleRecord(
        role.slug,
        job.source,
        role.role,
        role.country,
        job.source_hash,
        tuple(outputs),
        figures=figures(role),  # as the files show them; the batch's index lists them
    )


def export_files(
    paths: Iterable[Path],
    out_dir: Path,
    settings: Settings,
    on_done: Callable[[Path, Outcome, JobResult | None], None] | None = None,
    on_warning: Callable[[RoleWarning | str], None] | None = None,
    render: Renderer | None = None,
    brand: Brand | None = None,
) -> list[Outcome]:
    """Export every role file in ``paths`` in this process, one after another.

    A failing role is recorded, not raised, and the others still export.
    ``on_warning`` hears what the character policy removed and which characters
    no font has; ``on_done`` hears each role's outcome as it happens. ``brand`` is
    the settings' brand when the caller loaded it already (it is not loaded again).
    """
    make_folder(out_dir)
    init_worker(settings, brand=brand)
    with exclusive(out_dir):
        return _export_files(paths, out_dir, settings, on_done, on_warning, render)


def _export_files(
    paths: Iterable[Path],
    out_dir: Path,
    settings: Settings,
    on_done: Callable[[Path, Outcome, JobResult | None], None] | None,
    on_warning: Callable[[RoleWarning | str], None] | None,
    render: Renderer | None,
) -> list[Outcome]:
    claims = SlugClaims()
    outcomes: list[Outcome] = []
    for path in paths:
        result: JobResult | None = None
        try:
            loaded = load_role_checked(path)
        except ExporterError as exc:
            outcome: Outcome = FailedRecord(path.name, str(exc))
        else:
            for removed in loaded.warnings:
                if on_warning is not None:
                    on_warning(removed)
            role = loaded.role
            clash = claims.claim(role.slug, str(path))
            if clash is not None:
                outcome = FailedRecord(path.name, f"{path}: {clash}", role.slug)
            else:
                job = Job(role, path.name, "", settings)
                result = render_job(job) if render is None else render_job(job, render)
                if on_warning is not None:
                    for warning in result.warnings:
                        on_warning(f"{path}: {warning}")
                outcome = commit(out_dir, job, result, path)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(path, outcome, result)
    return outcomes
