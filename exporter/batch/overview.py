"""The all-roles overview a batch keeps beside the roles' files (``exporter batch --overview``).

The overview is :func:`exporter.api.render_overview` of every role the batch
exported fresh (stale and failed roles are left out: their current data is not
what their files show), written as ``overview.pdf`` and ``overview.docx`` in the
formats of the batch, with the batch's render options (brand, watermark, fonts).

Decisions:

- It is listed in the manifest (``overview``: its files, the number of roles, and
  a source hash over the settings and every included role's slug and source hash),
  so an unchanged set of roles keeps its overview without rendering it again, the
  zip carries it, ``index.html`` links it, and a batch run without ``--overview``
  deletes the files an earlier one listed, as it does for a removed role.
- It is rendered in the batch's own process after the roles, only when the run
  attempted every role; a stopped run keeps the previous overview as it was.
- A failure to render it never costs the roles anything: the batch reports an
  error (exit code 1) and the previous overview, if any, stays listed.
- Every included role is loaded into memory at once, which suits thousands of
  roles, not a hundred thousand (a 1,000-role PDF overview takes about 20 s).
- Shards cannot write it (each sees only its part): run ``exporter overview`` on
  the merged folder.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import Path

from exporter.api import render_overview
from exporter.engine.records import (
    OutputRecord,
    OverviewRecord,
    RoleRecord,
    outputs_intact,
)
from exporter.engine.settings import Settings
from exporter.files import write_atomic
from exporter.model.brand import Brand
from exporter.model.rolefile import load_role

#: File name of the overview, before its format's suffix (a role's slug always ends in
#: its country, so no role's files can take this name).
OVERVIEW_STEM = "overview"


def overview_hash(fingerprint: str, formats: tuple[str, ...], records: list[RoleRecord]) -> str:
    """What an overview of ``records`` is made from: settings, formats and every role."""
    digest = hashlib.sha256(f"{fingerprint}\n{','.join(formats)}\n".encode())
    for record in sorted(records, key=lambda r: r.slug):
        digest.update(f"{record.slug} {record.source_hash}\n".encode())
    return digest.hexdigest()


def update_overview(
    out_dir: Path,
    settings: Settings,
    brand: Brand,
    fingerprint: str,
    records: list[RoleRecord],
    paths: Mapping[str, Path],
    previous: OverviewRecord | None,
) -> OverviewRecord | None:
    """The overview of ``records`` (fresh roles), rendered again only if they changed.

    None when there is no role to show. Raises :class:`~exporter.errors.ExporterError`
    (or any renderer error) when it cannot be made; the caller keeps the previous one.
    """
    if not records:
        return None
    source_hash = overview_hash(fingerprint, settings.formats, records)
    if (
        previous is not None
        and previous.source_hash == source_hash
        and outputs_intact(out_dir, previous.outputs)
    ):
        return previous
    roles = [load_role(paths[record.source]) for record in sorted(records, key=lambda r: r.slug)]
    options = settings.options(brand)
    rendered: list[tuple[str, bytes, float]] = []
    for kind in settings.formats:  # every format before anything is written
        started = time.perf_counter()
        data = render_overview(roles, kind, options)
        rendered.append((kind, data, round(time.perf_counter() - started, 4)))
    outputs = []
    for fmt, data, seconds in rendered:
        name = f"{OVERVIEW_STEM}.{fmt}"
        write_atomic(out_dir / name, data)
        outputs.append(OutputRecord.of(fmt, name, data, seconds))
    return OverviewRecord(source_hash, len(roles), tuple(outputs))
