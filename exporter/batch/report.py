"""What a batch run did: :class:`BatchReport`, its counts and its summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.batch.manifest import INDEX_NAME
from exporter.engine.records import MANIFEST_NAME, FailedRecord, Manifest


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
