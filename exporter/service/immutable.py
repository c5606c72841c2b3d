"""Content-addressed files: ``/files/<sha256>.pdf|.docx``, their folder and their headers.

Every rendered file also has a name of its own bytes, ``<sha256>.<format>``; a URL
with that name never changes meaning, so it is served with
``Cache-Control: public, max-age=31536000, immutable`` and a browser, a proxy or a
CDN may keep it for a year without asking again.

The files lie in the cache folder's ``files/`` subfolder under exactly that name
(``<cache>/files/<sha256>.pdf``), so a front proxy can serve ``/files/`` from the
folder itself (docs/serving.md gives a tested nginx configuration). Each is a hard
link to the cache entry it was published from: no second copy on disk, and when
the cache evicts the entry the link is the file's last name (link count 1), so the
next sweep removes it. An old immutable URL therefore keeps answering, from the
application and from the proxy, until the cache evicts its file.

Headers are built once per file, as the ASGI server wants them (lower-case bytes).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from exporter.files import PARTIAL_SUFFIX
from exporter.service.responses import (
    CACHE_CONTROL,
    MEDIA_TYPES,
    content_disposition,
    etag_of,
    http_date,
)

#: The cache folder's subfolder of content-addressed files (and the URL's first segment).
FILES = "files"

#: An immutable URL's file may be kept for a year, never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"

_NAME = re.compile(r"^([0-9a-f]{64})\.(pdf|docx)$")

Headers = tuple[tuple[bytes, bytes], ...]


def parse_name(name: str) -> tuple[str, str] | None:
    """(sha256, format) of a content-addressed file name, or None if it is not one."""
    match = _NAME.match(name)
    return (match.group(1), match.group(2)) if match else None


def file_name(sha256: str, fmt: str) -> str:
    """The content-addressed name of a file: ``<sha256>.<format>``."""
    return f"{sha256}.{fmt}"


@dataclass(frozen=True)
class ServedFile:
    """One file held in memory with every header of its two URLs, built once.

    ``stable`` answers ``/roles/{slug}.{fmt}`` (``no-cache``, an attachment named
    for the role); ``immutable`` answers ``/files/{name}`` (cached for a year, no
    Content-Disposition: the same headers a proxy serving the folder sends).
    """

    slug: str
    fmt: str
    sha256: str
    source_hash: str
    data: bytes
    modified: float
    etag: bytes
    stable: Headers
    stable_304: Headers
    immutable: Headers
    immutable_304: Headers

    @property
    def name(self) -> str:
        """The content-addressed file name (and the last segment of its immutable URL)."""
        return file_name(self.sha256, self.fmt)


def served_file(
    slug: str, fmt: str, sha256: str, source_hash: str, data: bytes, modified: float
) -> ServedFile:
    """A file and the headers of both its URLs (one call per file, never per request)."""
    etag = etag_of(sha256).encode()
    common: list[tuple[bytes, bytes]] = [
        (b"etag", etag),
        (b"last-modified", http_date(modified).encode()),
    ]
    if fmt == "pdf":
        common.append((b"accept-ranges", b"bytes"))
    # (the security headers are the guard's: exporter.service.guard adds them to every answer)
    disposition = content_disposition(f"{slug}.{fmt}").encode("latin-1")
    stable_304 = (
        *common,
        (b"cache-control", CACHE_CONTROL.encode()),
        (b"content-disposition", disposition),
    )
    immutable_304 = (*common, (b"cache-control", IMMUTABLE.encode()))
    body = (
        (b"content-type", MEDIA_TYPES[fmt].encode()),
        (b"content-length", str(len(data)).encode()),
    )
    return ServedFile(
        slug=slug,
        fmt=fmt,
        sha256=sha256,
        source_hash=source_hash,
        data=data,
        modified=modified,
        etag=etag,
        stable=(*body, *stable_304),
        stable_304=stable_304,
        immutable=(*body, *immutable_304),
        immutable_304=immutable_304,
    )


def publish(folder: Path, sources: list[Path], name: str, size: int) -> bool:
    """Link the first of ``sources`` holding ``size`` bytes into ``folder`` as ``name``.

    Atomic (a link under a temporary name, then a rename); a name already linked
    to that source is left alone. False when no source could be linked (then the
    application alone answers the URL; a proxy passes it on, see docs/serving.md).
    """
    target = folder / name
    for source in sources:
        try:
            info = source.stat()
        except OSError:
            continue
        if info.st_size != size:
            continue
        with contextlib.suppress(OSError):
            if target.stat().st_ino == info.st_ino:
                return True
        partial = folder / f".{name}{PARTIAL_SUFFIX}"
        try:
            folder.mkdir(exist_ok=True)
            partial.unlink(missing_ok=True)
            os.link(source, partial)
            os.replace(partial, target)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()
            continue
        return True
    return False


def sweep(folder: Path) -> list[str]:
    """Remove the files whose cache entry is gone (their last link); their names."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if parse_name(entry.name) is None:
            continue
        try:
            if entry.stat(follow_symlinks=False).st_nlink > 1:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    return removed


def read(folder: Path, name: str) -> tuple[bytes, float] | None:
    """The bytes and modification time of a published file, or None."""
    if parse_name(name) is None:
        return None
    try:
        with open(folder / name, "rb") as handle:
            info = os.fstat(handle.fileno())
            return handle.read(), info.st_mtime
    except OSError:
        return None
