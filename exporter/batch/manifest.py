"""What a batch publishes beside the manifest: ``index.html``, its brand folder and the zip.

``index.html`` is the listing page of :mod:`exporter.render.listing` (the template
the service's ``GET /`` uses), rendered from the manifest: every role with its key
figures (as its files show them, recorded in the manifest) and links to its files,
a filter that runs in the page (``brand/listing.js``), nothing inline. The brand's
files (``listing.css``, ``listing.js``, the logo and fonts, see
:func:`~exporter.render.listing.brand_files`) go in ``brand/`` beside it, so the
folder (and ``reports.zip`` unzipped) shows the brand without a server.

The manifest itself (its records, reading and writing it) is the engine's
(:mod:`exporter.engine.records`): the service's cache reads it too.
"""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path
from urllib.parse import quote

from exporter.engine.records import (
    MANIFEST_NAME,
    Manifest,
    format_order,
    open_regular,
    write_if_changed,
)
from exporter.files import atomic_path, zip_entry
from exporter.model.brand import Brand
from exporter.render.listing import BrandFiles, Note, Page, brand_files, page_row, render_listing

INDEX_NAME = "index.html"
ZIP_NAME = "reports.zip"
BRAND_FOLDER = "brand"  #: the index's stylesheet, script, logo and fonts, beside it

STALE_NOTE = "stale: the latest render failed; these are the last good files"


def index_html(manifest: Manifest, title: str, brand: BrandFiles) -> bytes:
    """The batch's listing page: every role, its figures and files; every name escaped."""
    rows = []
    for record in sorted(manifest.roles, key=lambda r: (r.role.casefold(), r.country, r.slug)):
        links = {
            o.format: (quote(o.file), o.file) for o in sorted(record.outputs, key=format_order)
        }
        note = STALE_NOTE if record.stale is not None else None
        search = f"{record.role} {record.country} {record.slug}"
        rows.append(page_row(record.role, record.country, record.figures, links, note, search))
    page = Page(
        title=title,
        brand=brand.name,
        intro="Every role's files from the latest batch, with its key figures.",
        footer=brand.footer,
        assets=f"{BRAND_FOLDER}/",
        logo=brand.logo,
        rows=tuple(rows),
        total=len(rows),
        notes=_notes(manifest),
        empty="No reports.",
    )
    return render_listing(page).encode("utf-8")


def _notes(manifest: Manifest) -> tuple[Note, ...]:
    """The lines above the table: counts, the manifest, an unfinished batch, the overview."""
    stale = sum(r.stale is not None for r in manifest.roles)
    counted = f"{len(manifest.roles)} reports" + (f" ({stale} stale)" if stale else "") + "."
    notes = [Note(counted, MANIFEST_NAME, MANIFEST_NAME)]
    if not manifest.complete:
        text = "The batch that wrote this page did not finish: some roles were not attempted."
        notes.append(Note(text, warning=True))
    if manifest.overview is not None:
        links = tuple(
            (quote(o.file), o.format.upper())
            for o in sorted(manifest.overview.outputs, key=format_order)
        )
        notes.append(Note(f"All {manifest.overview.roles} roles in one document:", links=links))
    return tuple(notes)


def write_index(folder: Path, manifest: Manifest, brand: Brand) -> None:
    """``index.html`` and its brand folder, each file written (atomically) only if it changed.

    The brand's files go first, so the index never links a file that is not there;
    files of an earlier brand (another logo, fewer fonts) are deleted. An
    :class:`OSError` names the file it could not write (or ``brand`` when that is a
    link: the batch writes and prunes only a folder of its own).
    """
    made = brand_files(brand)
    assets = folder / BRAND_FOLDER
    if assets.is_symlink() or (assets.exists() and not assets.is_dir()):
        # through a link, its files would be written (and others deleted) elsewhere
        raise OSError(errno.ENOTDIR, "not a folder (a link or a file); remove it", str(assets))
    for name, data in sorted(made.files.items()):
        _write(assets / name, data)
    for path in assets.iterdir():
        if path.name not in made.files and (path.is_file() or path.is_symlink()):
            path.unlink(missing_ok=True)
    _write(folder / INDEX_NAME, index_html(manifest, f"{brand.name} reports", made))


def _write(path: Path, data: bytes) -> None:
    """:func:`write_if_changed`, its errors naming ``path`` (not a temporary file)."""
    try:
        write_if_changed(path, data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def published(folder: Path, manifest: Manifest) -> list[str]:
    """The names ``reports.zip`` holds besides the manifest: outputs, index, brand files."""
    assets = folder / BRAND_FOLDER
    brand = sorted(p.name for p in assets.iterdir() if p.is_file()) if assets.is_dir() else []
    return [*manifest.files(), INDEX_NAME, *(f"{BRAND_FOLDER}/{name}" for name in brand)]


def write_zip(folder: Path, manifest: Manifest, manifest_bytes: bytes) -> Path:
    """One archive of every listed output, the index, its brand folder and the manifest;
    skipped if current."""
    target = folder / ZIP_NAME
    try:
        with open_regular(target) as raw, zipfile.ZipFile(raw) as existing:
            if existing.read(MANIFEST_NAME) == manifest_bytes:
                return target
    except (OSError, KeyError, zipfile.BadZipFile):
        pass
    with atomic_path(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_STORED) as archive:
        for name in published(folder, manifest):
            if (folder / name).is_file():
                info = zip_entry(name, compress=False)  # PDFs and DOCX are compressed already
                with open_regular(folder / name) as source, archive.open(info, "w") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
        archive.writestr(zip_entry(MANIFEST_NAME), manifest_bytes)
    return target
