"""The records an export keeps (``manifest.json``): what :func:`~exporter.engine.export.commit`
returns for each role, and how they are read back and written.

The manifest records, per role, the source hash its outputs were made from and,
per format, the file name, size, SHA-256, page count (PDF) and render time; and
the roles that failed, with their error. It holds no timestamps and is written in
a fixed order, so equal state gives equal bytes. See the README for the format.

``summary.complete`` says whether the run that wrote it finished: false in the
checkpoints written while a batch runs, and in the manifest of a batch that was
interrupted, stopped at a failure (``--fail-fast``) or lost its workers before every
role was attempted. ``exporter merge`` refuses a shard whose manifest is not complete.

The records are the engine's, not the batch's: the batch writes them, the
service's cache reads them. Files here are opened so that a FIFO or a device
planted under a record's name never blocks (:func:`open_regular`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import zlib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, BinaryIO

from exporter.errors import ExporterError
from exporter.files import write_atomic
from exporter.report.outline import Figures

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class OutputRecord:
    """One file written for one role."""

    format: str
    file: str
    size: int
    sha256: str
    render_seconds: float
    pages: int | None = None

    @classmethod
    def of(cls, fmt: str, file: str, data: bytes, render_seconds: float) -> OutputRecord:
        """The record of ``data`` written as ``file``: its size, SHA-256 and PDF page count."""
        return cls(
            format=fmt,
            file=file,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            render_seconds=render_seconds,
            pages=pdf_page_count(data) if fmt == "pdf" else None,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "size": self.size, "sha256": self.sha256}
        if self.pages is not None:
            data["pages"] = self.pages
        data["render_seconds"] = self.render_seconds
        return data


@dataclass(frozen=True)
class RoleRecord:
    """A role's published outputs: where they came from and what was written.

    ``stale`` is set when the role's latest render failed: the record and files are
    the last good ones, kept, and ``stale`` says why they are not current.
    ``figures`` are the role's key figures as its files show them (None in a
    manifest written before they were recorded).
    """

    slug: str
    source: str
    role: str
    country: str
    source_hash: str
    outputs: tuple[OutputRecord, ...]
    stale: str | None = None
    figures: Figures | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "slug": self.slug,
            "source": self.source,
            "role": self.role,
            "country": self.country,
            "source_hash": self.source_hash,
            "outputs": {o.format: o.to_json() for o in sorted(self.outputs, key=format_order)},
        }
        if self.stale is not None:
            data["stale"] = self.stale
        if self.figures is not None:
            data["figures"] = asdict(self.figures)
        return data


@dataclass(frozen=True)
class FailedRecord:
    """A role that could not be exported, and why."""

    source: str
    error: str
    slug: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "slug": self.slug, "error": self.error}


@dataclass(frozen=True)
class OverviewRecord:
    """The all-roles overview a batch wrote (``--overview``) and what it was made from.

    ``source_hash`` covers the render settings and every role in it (slug and source
    hash), so an unchanged set of roles keeps its overview without rendering it again.
    """

    source_hash: str
    roles: int
    outputs: tuple[OutputRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "source_hash": self.source_hash,
            "roles": self.roles,
            "outputs": {o.format: o.to_json() for o in sorted(self.outputs, key=format_order)},
        }


@dataclass(frozen=True)
class Manifest:
    """What the output folder holds, and what failed."""

    settings: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    roles: tuple[RoleRecord, ...] = ()
    failed: tuple[FailedRecord, ...] = ()
    complete: bool = True  #: every role of the run was attempted (see the module's docstring)
    overview: OverviewRecord | None = None  #: ``--overview``'s files, when there are any

    def to_json(self) -> dict[str, Any]:
        data = {
            "manifest_version": MANIFEST_VERSION,
            "settings": self.settings,
            "fingerprint": self.fingerprint,
            "summary": {
                "roles": len(self.roles),
                "stale": sum(r.stale is not None for r in self.roles),
                "failed": len(self.failed),
                "complete": self.complete,
            },
            "roles": [r.to_json() for r in sorted(self.roles, key=lambda r: (r.slug, r.source))],
            "failed": [f.to_json() for f in sorted(self.failed, key=lambda f: f.source)],
        }
        if self.overview is not None:
            data["overview"] = self.overview.to_json()
        return data

    def dumps(self) -> bytes:
        """The manifest as JSON bytes: sorted, indented, no timestamps."""
        return (json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def files(self) -> list[str]:
        """Every output file name the manifest lists, in manifest order (the overview last)."""
        files = [o.file for r in sorted(self.roles, key=lambda r: r.slug) for o in r.outputs]
        if self.overview is not None:
            files += [o.file for o in sorted(self.overview.outputs, key=format_order)]
        return files


def outputs_intact(folder: Path, outputs: tuple[OutputRecord, ...]) -> bool:
    """Every file of ``outputs`` is in ``folder`` with its recorded size."""
    for output in outputs:
        try:
            if (folder / output.file).stat().st_size != output.size:
                return False
        except OSError:
            return False
    return True


def format_order(output: OutputRecord) -> tuple[int, str]:
    order = {"pdf": 0, "docx": 1}
    return (order.get(output.format, 9), output.format)


class ManifestError(ExporterError):
    """A manifest that is not what this version writes: the file, and the field or why."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def read_manifest(folder: Path, name: str = MANIFEST_NAME) -> Manifest | None:
    """The manifest ``name`` in ``folder``; None if there is none or it cannot be trusted."""
    try:
        return load_manifest(folder, name)
    except (OSError, ManifestError):
        return None


def load_manifest(folder: Path, name: str = MANIFEST_NAME) -> Manifest:
    """The manifest ``name`` in ``folder``; :class:`ManifestError` names the file and the
    field when it is not one this version reads (an :class:`OSError` when it cannot be read)."""
    path = folder / name
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        raise ManifestError(path, f"not JSON: {exc}") from None
    try:
        return _manifest(data)
    except KeyError as exc:
        raise ManifestError(path, f"the field {exc.args[0]!r} is missing") from None
    except _FieldError as exc:
        raise ManifestError(path, exc.args[0]) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ManifestError(path, f"not a manifest this version reads ({exc})") from None


class _FieldError(ValueError):
    """A field of the manifest with a value of the wrong kind (the message names it)."""


def _manifest(data: Any) -> Manifest:
    if data.get("manifest_version") != MANIFEST_VERSION:
        raise _FieldError(f"manifest_version: expected {MANIFEST_VERSION}")
    roles = tuple(
        RoleRecord(
            slug=str(r["slug"]),
            source=str(r["source"]),
            role=str(r["role"]),
            country=str(r["country"]),
            source_hash=str(r["source_hash"]),
            outputs=_outputs(r["outputs"]),
            stale=None if r.get("stale") is None else str(r["stale"]),
            figures=_figures(r.get("figures"), f"roles[{number}].figures"),
        )
        for number, r in enumerate(data["roles"])
    )
    found = data.get("overview")
    overview = (
        None
        if found is None
        else OverviewRecord(
            str(found["source_hash"]), int(found["roles"]), _outputs(found["outputs"])
        )
    )
    failed = tuple(
        FailedRecord(str(f["source"]), str(f["error"]), f.get("slug")) for f in data["failed"]
    )
    complete = data["summary"].get("complete", True)  # manifests before the flag: finished
    if not isinstance(complete, bool):
        raise _FieldError("summary.complete: expected true or false")
    return Manifest(
        dict(data["settings"]), str(data["fingerprint"]), roles, failed, complete, overview
    )


def _figures(found: Any, where: str) -> Figures | None:
    """A role's recorded figures: absent (None) in older manifests, else every field typed."""
    if found is None:
        return None
    if not isinstance(found, dict):
        raise _FieldError(f"{where}: expected an object")
    values: dict[str, str | bool] = {}
    for item in fields(Figures):
        kind = bool if item.name == "small_sample" else str
        value = found.get(item.name)
        if not isinstance(value, kind):
            expected = "true or false" if kind is bool else "a string"
            raise _FieldError(f"{where}.{item.name}: expected {expected}")
        values[item.name] = value
    return Figures(**values)  # type: ignore[arg-type]


def _outputs(found: dict[str, Any]) -> tuple[OutputRecord, ...]:
    return tuple(
        OutputRecord(
            format=str(fmt),
            file=str(o["file"]),
            size=int(o["size"]),
            sha256=str(o["sha256"]),
            render_seconds=float(o["render_seconds"]),
            pages=None if o.get("pages") is None else int(o["pages"]),
        )
        for fmt, o in found.items()
    )


class NotRegularFile(OSError):
    """A FIFO, a device, a socket or a folder where a regular file was expected."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EINVAL, "not a regular file", str(path))


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, never waiting: anything but a regular file there is
    :class:`NotRegularFile` (a FIFO would otherwise block ``open`` until a writer came)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def refuse_special(path: Path) -> None:
    """Raise :class:`NotRegularFile` if something other than a regular file is at ``path``
    (nothing there is fine); links are followed, as every later open would."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path)


def _read(path: Path) -> bytes:
    with open_regular(path) as file:
        return file.read()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly it."""
    try:
        if _read(path) == data:
            return False
    except NotRegularFile:
        raise
    except OSError:
        pass
    write_atomic(path, data)
    return True


_PAGES = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")
_OBJECT_STREAM = re.compile(rb"<<([^<>]*?/Type\s*/ObjStm[^<>]*?)>>\s*stream\r?\n")
_LENGTH = re.compile(rb"/Length\s+(\d+)")


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF, read from its page tree (plain or in compressed object streams)."""
    counts = [int(a or b) for a, b in _PAGES.findall(data)]
    for match in _OBJECT_STREAM.finditer(data):
        length = _LENGTH.search(match.group(1))
        if length is None or b"/FlateDecode" not in match.group(1):
            continue
        start = match.end()
        try:
            inflated = zlib.decompress(data[start : start + int(length.group(1))])
        except zlib.error:
            continue
        counts += [int(a or b) for a, b in _PAGES.findall(inflated)]
    return max(counts) if counts else None
