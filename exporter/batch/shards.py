"""Split one batch between the copies of a job array, then merge what they wrote.

A scheduler that starts N copies of a container (Kubernetes Indexed Jobs, AWS
Batch or Slurm array jobs) runs ``exporter batch ROLES --out DIR --shard K/N`` in
each. Shard K renders only the roles whose key hashes to K: the key is the role's
slug (SHA-256 of the slug, modulo N, plus one), or the role file's name for a file
that cannot be read or decoded and so has no slug. Two files with one slug thus
always fall in one shard, which reports the clash as a single run would.

Planning needs the slug. A role that is up to date in the shard's own manifest
(``manifest.K-of-N.json``, the shard's incremental state) is kept by the slug that
manifest recorded, without decoding it; every other role file is decoded by every
shard to learn its slug (milliseconds per role, against a tenth of a second and
more to render it), and the shards it does not belong to skip it.

Shards may run at the same time into one folder: each locks only its manifest
(``.manifest.K-of-N.json.lock``) and leaves temporary files alone. ``exporter
merge DIR`` then checks that every shard's manifest is there, that they agree and
that each says its shard finished (``summary.complete``: a shard that was stopped,
was killed or is still running has only written checkpoints), and writes the
``manifest.json``, ``index.html`` with its ``brand/`` folder (in the shards' brand)
and ``reports.zip`` a single run would have written; it also deletes the temporary
files that killed shards left, so run it once every shard has exited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from exporter.batch.manifest import write_index, write_zip
from exporter.engine.records import (
    MANIFEST_NAME,
    FailedRecord,
    Manifest,
    ManifestError,
    RoleRecord,
    load_manifest,
    read_manifest,
    write_if_changed,
)
from exporter.errors import ExporterError
from exporter.files import remove_partials
from exporter.model.brand import Brand, load_brand

#: Environment variables that give a copy of a job array its index, and that index's base.
ARRAY_INDEX_VARIABLES = (
    ("JOB_COMPLETION_INDEX", 0),  # Kubernetes Indexed Job: 0 .. N-1
    ("AWS_BATCH_JOB_ARRAY_INDEX", 0),  # AWS Batch array job: 0 .. N-1
    ("SLURM_ARRAY_TASK_ID", 1),  # Slurm: as given, so submit with --array=1-N
)

_SHARD = re.compile(r"(?P<k>\d+|auto)/(?P<n>\d+)")
_SHARD_MANIFEST = re.compile(r"manifest\.(?P<k>\d+)-of-(?P<n>\d+)\.json")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @property
    def manifest_name(self) -> str:
        return f"manifest.{self.index}-of-{self.count}.json"

    def holds(self, key: str) -> bool:
        """Whether the role with this slug (or file name, lacking a slug) is this shard's."""
        return shard_of(key, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(key: str, count: int) -> int:
    """The 1-based shard of ``count`` that renders the role keyed ``key``."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str, environ: Mapping[str, str]) -> Shard:
    """``K/N`` (1 ≤ K ≤ N) or ``auto/N`` (K from the job array's index in ``environ``)."""
    match = _SHARD.fullmatch(text.strip())
    if match is None:
        raise ExporterError(f"--shard {text!r}: expected K/N (such as 2/8) or auto/N")
    count = int(match["n"])
    if count < 1:
        raise ExporterError(f"--shard {text!r}: N must be at least 1")
    index = int(match["k"]) if match["k"] != "auto" else _array_index(text, environ)
    if not 1 <= index <= count:
        raise ExporterError(f"--shard {text!r}: shard {index} is not between 1 and {count}")
    return Shard(index, count)


def _array_index(text: str, environ: Mapping[str, str]) -> int:
    for name, base in ARRAY_INDEX_VARIABLES:
        value = environ.get(name)
        if value is None:
            continue
        if not value.strip().isdigit():
            raise ExporterError(f"--shard {text!r}: {name}={value!r} is not a whole number")
        return int(value) - base + 1
    names = ", ".join(name for name, _ in ARRAY_INDEX_VARIABLES)
    raise ExporterError(f"--shard {text!r}: none of {names} is set")


@dataclass(frozen=True)
class MergeReport:
    """What :func:`merge` wrote."""

    out_dir: Path
    shards: int
    manifest: Manifest
    zip_path: Path | None = None

    def summary(self) -> str:
        failed = len(self.manifest.failed)
        return (
            f"merged {self.shards} shards into {self.out_dir / MANIFEST_NAME}: "
            f"{len(self.manifest.roles)} roles" + (f", {failed} failed" if failed else "")
        )


def merge(out_dir: Path, make_zip: bool = False) -> MergeReport:
    """Combine ``manifest.K-of-N.json`` for K = 1..N into what a single run writes.

    The index and its ``brand/`` folder are in the brand the shards used, the one
    their manifests name (``settings.brand_file``; the bundled brand when null), so
    the merged folder equals a single run's and no option can disagree with the shards.

    Refuses, naming the files, when a shard's manifest is missing, unreadable or
    incomplete (the shard did not finish), when manifests for two shard counts are
    present, or when two shards disagree (settings, fingerprint, or one slug or role
    file in both).
    """
    shards = _shard_manifests(out_dir)
    first_name, first = shards[0]
    roles: dict[str, tuple[str, RoleRecord]] = {}
    sources: dict[str, str] = {}
    failed: list[FailedRecord] = []
    for name, shard in shards:
        if shard.settings != first.settings or shard.fingerprint != first.fingerprint:
            raise ExporterError(
                f"{out_dir / name}: made with other settings than {first_name} "
                "(run every shard with the same options and exporter version)"
            )
        for record in shard.roles:
            if record.slug in roles:
                other = roles[record.slug][0]
                raise ExporterError(
                    f"{out_dir / name}: role {record.slug!r} is also in {other} "
                    "(were the shards run with different role folders?)"
                )
            roles[record.slug] = (name, record)
        for source in [r.source for r in shard.roles] + [f.source for f in shard.failed]:
            if source in sources:
                raise ExporterError(
                    f"{out_dir / name}: role file {source!r} is also in {sources[source]}"
                )
            sources[source] = name
        failed.extend(shard.failed)
    merged = Manifest(
        first.settings, first.fingerprint, tuple(r for _, r in roles.values()), tuple(failed)
    )
    brand = _brand(out_dir, first_name, first)  # before anything is written
    previous = read_manifest(out_dir)
    remove_partials(out_dir)
    manifest_bytes = merged.dumps()
    write_if_changed(out_dir / MANIFEST_NAME, manifest_bytes)
    if previous is not None:  # as a single run does: drop outputs no longer listed
        keep = set(merged.files())
        for stale in set(previous.files()) - keep:
            if "/" not in stale and not stale.startswith("."):
                (out_dir / stale).unlink(missing_ok=True)
    write_index(out_dir, merged, brand)
    zip_path = write_zip(out_dir, merged, manifest_bytes) if make_zip else None
    return MergeReport(out_dir, len(shards), merged, zip_path)


def _shard_manifests(out_dir: Path) -> list[tuple[str, Manifest]]:
    if not out_dir.is_dir():
        raise ExporterError(f"{out_dir}: no such folder")
    found: dict[int, dict[int, str]] = {}
    for path in out_dir.iterdir():
        match = _SHARD_MANIFEST.fullmatch(path.name)
        if match:
            found.setdefault(int(match["n"]), {})[int(match["k"])] = path.name
    if not found:
        raise ExporterError(f"{out_dir}: no shard manifests (manifest.K-of-N.json) to merge")
    if len(found) > 1:
        counts = ", ".join(str(n) for n in sorted(found))
        raise ExporterError(
            f"{out_dir}: shard manifests for {counts} shards; remove the stale ones and merge again"
        )
    count, names = next(iter(found.items()))
    missing = [k for k in range(1, count + 1) if k not in names]
    if missing:
        listed = ", ".join(f"manifest.{k}-of-{count}.json" for k in missing)
        raise ExporterError(f"{out_dir}: shard {missing[0]} of {count} is missing ({listed})")
    extra = sorted(k for k in names if not 1 <= k <= count)
    if extra:
        raise ExporterError(f"{out_dir / names[extra[0]]}: shard {extra[0]} of {count} cannot be")
    shards = []
    for k in range(1, count + 1):
        try:
            manifest = load_manifest(out_dir, names[k])
        except ManifestError as exc:
            raise ExporterError(f"{exc.path}: not a readable manifest: {exc.detail}") from None
        except OSError as exc:
            raise ExporterError(
                f"{out_dir / names[k]}: not a readable manifest: {exc.strerror}"
            ) from None
        if not manifest.complete:
            raise ExporterError(
                f"{out_dir / names[k]}: shard {k} of {count} did not finish (stopped, killed "
                "or still running); run it again, it goes on where it stopped, then merge"
            )
        shards.append((names[k], manifest))
    return shards


def _brand(out_dir: Path, name: str, manifest: Manifest) -> Brand:
    """The brand the shards used (their manifests' ``settings.brand_file``), as a single
    run's index shows it."""
    brand_file = manifest.settings.get("brand_file")
    try:
        return load_brand(Path(brand_file) if brand_file else None)
    except ExporterError as exc:
        raise ExporterError(f"{out_dir / name}: cannot load its brand file: {exc}") from None
