"""What a batch will do: which role files are current, which to render, which fail first.

Planning hashes every role file (:func:`~exporter.engine.settings.role_hash`);
a role whose outputs are current is not even parsed. Output names are given out
with the engine's one rule (:class:`~exporter.engine.claims.SlugClaims`), the
previous manifest's holders first.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exporter.engine.claims import SlugClaims
from exporter.engine.jobs import Job, Limits
from exporter.engine.records import FailedRecord, Manifest, RoleRecord, outputs_intact
from exporter.engine.settings import Settings, role_hash
from exporter.errors import ExporterError, RoleError
from exporter.model.jsonfile import read_file
from exporter.model.role import MAX_FILE_BYTES
from exporter.model.rolefile import RoleWarning, decode_role


@dataclass(frozen=True, slots=True)
class Due:
    """A role file to render: what planning learnt of it, without the decoded role.

    The role is read and decoded again when its job is submitted (:func:`job_for`), so
    a batch holds a decoded role only for the jobs in flight, not for every role:
    tens of kilobytes a role, gigabytes for a hundred thousand. Decoding twice costs
    milliseconds against a render's tenths of a second.
    """

    source: str
    path: Path
    source_hash: str
    slug: str


@dataclass
class Plan:
    """Which roles are current, which must be rendered, which failed before rendering."""

    current: list[RoleRecord] = field(default_factory=list)
    jobs: list[Due] = field(default_factory=list)
    failed: list[FailedRecord] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[RoleWarning] = field(default_factory=list)
    claims: SlugClaims = field(default_factory=SlugClaims)  #: output names given out
    skipped: int = 0  # roles another shard renders


def refuse_out_among_roles(paths: Sequence[Path], out_dir: Path) -> None:
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


def plan_roles(
    paths: Sequence[Path],
    out_dir: Path,
    settings: Settings,
    fingerprint: str,
    previous: Manifest,
    force: bool,
    limits: Limits,
    select: Callable[[str], bool] | None = None,
) -> Plan:
    """Hash every role file; the ones whose outputs are current are not even parsed.

    Output names (slugs) are then given out: a slug the previous manifest gave to a
    role file that is still here stays with it (even while that role fails); any
    other role wanting it is the error, whatever the order of the file names.
    Among newcomers, the first by file name wins.
    """
    plan = Plan()
    known = {record.source: record for record in previous.roles}
    wanted: list[tuple[str, str, Path, RoleRecord | Due]] = []  # slug, source, path, what
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
                plan.failed.append(FailedRecord(source, skipped(str(exc))))
            else:
                plan.skipped += 1
            continue
        source_hash = role_hash(fingerprint, raw)
        old = known.get(source)
        if (
            not force
            and old is not None
            and old.source_hash == source_hash
            and intact(out_dir, old, settings.formats)
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
            (loaded.role.slug, source, path, Due(source, path, source_hash, loaded.role.slug))
        )
    present = set(plan.paths)
    wanting = {source: slug for slug, source, _, _ in wanted}
    for record in previous.roles:
        # A present role keeps its slug unless it now wants another one.
        if record.source in present and wanting.get(record.source, record.slug) == record.slug:
            plan.claims.claim(record.slug, record.source)
    for slug, source, _path, what in wanted:
        clash = plan.claims.claim(slug, source)
        if clash is not None:
            plan.failed.append(FailedRecord(source, f"{source}: {clash}", slug))
        elif isinstance(what, Due):
            plan.jobs.append(what)
        else:
            plan.current.append(what)
    return plan


def job_for(due: Due, settings: Settings, fingerprint: str, limits: Limits) -> Job:
    """The job for a due role: its file read and decoded again, and checked unchanged.

    A file edited since planning is not rendered (its source hash and output name
    were decided on the old bytes): the role fails with a message saying so, and the
    next run picks the new bytes up.
    """
    raw = read_file(due.path, MAX_FILE_BYTES, due.source)
    if role_hash(fingerprint, raw) != due.source_hash:
        raise ExporterError(f"{due.source}: changed while the batch ran; run the batch again")
    return Job(decode_role(raw, due.source).role, due.source, due.source_hash, settings, limits)


def skipped(message: str) -> str:
    """A role entry that is no regular file (folder, FIFO, device, broken link) says so."""
    if message.endswith("not a regular file") or "No such file" in message:
        return f"{message}; skipped (not a readable regular file)"
    return message


def intact(out_dir: Path, record: RoleRecord, formats: tuple[str, ...] | None = None) -> bool:
    """The record's outputs are the formats asked for, present with their recorded sizes."""
    if formats is not None and sorted(o.format for o in record.outputs) != sorted(formats):
        return False
    return outputs_intact(out_dir, record.outputs)
