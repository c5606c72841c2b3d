"""What a batch publishes beside the manifest: ``index.html`` and the zip archive.

The manifest itself (its records, reading and writing it) is the engine's
(:mod:`exporter.engine.records`): the service's cache reads it too.
"""

from __future__ import annotations

import html
import zipfile
from pathlib import Path
from urllib.parse import quote

from exporter.engine.records import (
    MANIFEST_NAME,
    Manifest,
    format_order,
    open_regular,
)
from exporter.files import atomic_path, zip_entry

INDEX_NAME = "index.html"
ZIP_NAME = "reports.zip"


def index_html(manifest: Manifest, title: str) -> bytes:
    """A static page linking every role's outputs; every name and link escaped."""
    rows = []
    for record in sorted(manifest.roles, key=lambda r: (r.role.casefold(), r.country, r.slug)):
        links = " ".join(
            f'<a href="{html.escape(quote(o.file))}">{html.escape(o.format.upper())}</a>'
            for o in sorted(record.outputs, key=format_order)
        )
        if record.stale is not None:
            links += (
                ' <span class="stale">(stale: the latest render failed; '
                "these are the last good files)</span>"
            )
        rows.append(
            f"<tr><td>{html.escape(record.role)}</td><td>{html.escape(record.country)}</td>"
            f"<td>{links}</td></tr>"
        )
    stale = sum(r.stale is not None for r in manifest.roles)
    stale_note = f" ({stale} stale)" if stale else ""
    if not manifest.complete:
        stale_note += (
            ' <span class="stale">The batch that wrote this page did not finish: '
            "some roles were not attempted.</span>"
        )
    body = "\n".join(rows) or '<tr><td colspan="3">No reports.</td></tr>'
    overview = ""
    if manifest.overview is not None:
        links = " ".join(
            f'<a href="{html.escape(quote(o.file))}">{html.escape(o.format.upper())}</a>'
            for o in sorted(manifest.overview.outputs, key=format_order)
        )
        overview = f"<p>All {manifest.overview.roles} roles in one document: {links}</p>\n"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; }}
a {{ margin-right: 0.6rem; }}
.stale {{ color: #8a3b00; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(manifest.roles)} reports{stale_note}. <a href="{MANIFEST_NAME}">manifest.json</a></p>
{overview}<table>
<thead>
<tr><th scope="col">Role</th><th scope="col">Country</th><th scope="col">Files</th></tr>
</thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""
    return page.encode("utf-8")


def write_zip(folder: Path, manifest: Manifest, manifest_bytes: bytes) -> Path:
    """One archive of every listed output, the manifest and the index; skipped if current."""
    target = folder / ZIP_NAME
    try:
        with open_regular(target) as raw, zipfile.ZipFile(raw) as existing:
            if existing.read(MANIFEST_NAME) == manifest_bytes:
                return target
    except (OSError, KeyError, zipfile.BadZipFile):
        pass
    with atomic_path(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_STORED) as archive:
        for name in [*manifest.files(), INDEX_NAME]:
            if (folder / name).is_file():
                info = zip_entry(name, compress=False)  # PDFs and DOCX are compressed already
                with open_regular(folder / name) as source, archive.open(info, "w") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
        archive.writestr(zip_entry(MANIFEST_NAME), manifest_bytes)
    return target
