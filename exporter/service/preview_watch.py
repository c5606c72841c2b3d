"""What the preview watches, and the watch: a change to any of it means a new render.

The role file, the brand file and every file it names, the Word reference, and
the bundled and the operator's templates and ``styles/`` (whole folders).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

from exporter.engine.settings import Settings, referenced_files
from exporter.errors import ExporterError
from exporter.model.brand import DEFAULT_BRAND
from exporter.resources import STYLES_DIR, TEMPLATES_DIR

#: Milliseconds the watcher waits for a burst of saves to settle.
DEBOUNCE_MS = 300


def watched_files(settings: Settings, role_path: Path) -> tuple[set[Path], set[Path]]:
    """(files, folders) whose change means a new render: folders count everything under them."""
    brand_file = (settings.brand_file or DEFAULT_BRAND).resolve()
    files = {role_path.resolve(), brand_file}
    with contextlib.suppress(ExporterError):
        files |= referenced_files(settings.load_brand(), brand_file.parent)
    if settings.docx.template is not None:
        files.add(settings.docx.template.resolve())
    folders = {TEMPLATES_DIR.resolve(), STYLES_DIR.resolve()}
    if settings.pdf.templates is not None:
        folders.add(settings.pdf.templates.resolve())
    return files, folders


def _concerns(path: Path, files: set[Path], folders: set[Path]) -> bool:
    if "__pycache__" in path.parts:
        return False
    return path in files or any(path.is_relative_to(folder) for folder in folders)


def _roots(files: Iterable[Path], folders: Iterable[Path]) -> list[Path]:
    """The folders to watch: each file's folder (editors replace files) and each tree."""
    roots = {path.parent for path in files} | set(folders)
    return sorted(root for root in roots if root.is_dir())


async def watch(
    settings: Settings, role_path: Path, stop: asyncio.Event, changed: Callable[[], None]
) -> None:
    """Call ``changed()`` after every settled burst of changes until ``stop`` is set."""
    from watchfiles import awatch

    while not stop.is_set():
        files, folders = watched_files(settings, role_path)
        roots = _roots(files, folders)

        def wanted(
            change: object, path: str, files: set[Path] = files, folders: set[Path] = folders
        ) -> bool:
            return _concerns(Path(path).resolve(), files, folders)

        async for _ in awatch(
            *roots, watch_filter=wanted, debounce=DEBOUNCE_MS, step=50, stop_event=stop
        ):
            changed()
            if watched_files(settings, role_path) != (files, folders):
                break  # the brand names other files now: watch those
