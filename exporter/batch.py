"""Export many roles to files: one PDF and one DOCX per role, failures isolated.

Each output is written to a temporary name in the output folder and renamed into
place when whole, so an interrupted export never leaves a truncated file under a
final name. One bad role never stops the others; the result lists what failed.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from exporter.errors import ExporterError
from exporter.role import Role, RoleWarning, load_role_checked

if TYPE_CHECKING:
    from exporter.api import RenderOptions

FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class Output:
    """One file written for one role."""

    slug: str
    format: str
    path: Path
    size: int
    seconds: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    """A role that could not be exported, and why."""

    source: str
    message: str


@dataclass
class BatchResult:
    outputs: list[Output] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers only ever see the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def export_role(
    role: Role, out_dir: Path, formats: Iterable[str], options: RenderOptions
) -> list[Output]:
    """Render one role in each format, then write the files atomically.

    Every format is rendered before any file is written, so a role whose DOCX
    fails leaves no PDF behind either.
    """
    from exporter.api import font_warnings, render

    rendered = []
    for fmt in formats:
        started = time.perf_counter()
        data = render(role, fmt, options)
        warnings = tuple(font_warnings(role, options.brand)) if fmt == "pdf" else ()
        rendered.append((fmt, data, time.perf_counter() - started, warnings))
    outputs = []
    for fmt, data, seconds, warnings in rendered:
        path = out_dir / f"{role.slug}.{fmt}"
        write_atomic(path, data)
        outputs.append(Output(role.slug, fmt, path, len(data), seconds, warnings))
    return outputs


def export_files(
    paths: Iterable[Path],
    out_dir: Path,
    formats: Iterable[str],
    options: RenderOptions,
    on_done: Callable[[Path, list[Output] | Failure], None] | None = None,
    on_warning: Callable[[RoleWarning], None] | None = None,
) -> BatchResult:
    """Export every role file in ``paths``; a failing role is recorded, not raised.

    ``on_warning`` hears what the character policy removed from each role.
    """
    formats = tuple(formats)
    result = BatchResult()
    claimed: dict[str, Path] = {}
    for path in paths:
        outcome: list[Output] | Failure
        try:
            loaded = load_role_checked(path)
            if on_warning is not None:
                for warning in loaded.warnings:
                    on_warning(warning)
            role = loaded.role
            if role.slug in claimed:
                raise ExporterError(
                    f"{path}: output name {role.slug!r} is already used by {claimed[role.slug]}"
                )
            claimed[role.slug] = path
            outcome = export_role(role, out_dir, formats, options)
            result.outputs.extend(outcome)
        except ExporterError as exc:
            outcome = Failure(str(path), str(exc))
            result.failures.append(outcome)
        except OSError as exc:  # the output folder: missing rights, a file in the way, disk full
            message = f"{path}: cannot write output: {exc.strerror} ({exc.filename})"
            outcome = Failure(str(path), message)
            result.failures.append(outcome)
        except Exception as exc:  # a renderer bug must not stop the other roles
            outcome = Failure(str(path), f"{path}: render failed: {type(exc).__name__}: {exc}")
            result.failures.append(outcome)
        if on_done is not None:
            on_done(path, outcome)
    return result
