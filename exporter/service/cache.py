"""The service's disk cache of rendered files, keyed by the batch's source hash.

An entry is ``<source_hash>.<format>`` in the cache folder, written atomically
(:func:`exporter.files.write_atomic`). The source hash
(:func:`exporter.engine.settings.role_hash`) covers the role file's bytes and every
other render input, so an entry never goes stale: a changed input is a new key.

The cache holds at most ``max_bytes`` of its own entries; past that the least
recently used are deleted (use is recorded as the file's access time, so the order
survives a restart). If the folder is an ``exporter batch`` output folder, the
files its ``manifest.json`` lists are served too, for the roles whose recorded
source hash matches: a warm cache. Those files belong to the batch and are never
evicted or written.

Trust: entry names are source hashes, which anyone can compute, so what is found
under a name is never trusted for being there. The index records each entry's size
and SHA-256 when this process writes it (or, for entries already there, when the
cache opens); an entry is served only if it is a regular file, opened without
following a link and without waiting on a FIFO, whose bytes hash to what the index
recorded. Anything else is dropped from the index and rendered again. A write that
fails (a full disk) never fails the request: the bytes are served from memory, the
failure is logged once and reported to ``on_write_error``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from exporter.engine.records import MANIFEST_NAME, read_manifest
from exporter.files import PARTIAL_SUFFIX, remove_partials, write_atomic

_ENTRY = re.compile(r"^[0-9a-f]{64}\.(pdf|docx)$")

#: Default size bound of the cache's own entries.
DEFAULT_CACHE_BYTES = 512 * 1024 * 1024

#: uvicorn's own logger for server messages (what ``exporter serve`` prints).
LOG = logging.getLogger("uvicorn.error")

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class CachedFile:
    """One cached file read back: its bytes, their SHA-256 and when it was written."""

    data: bytes
    sha256: str
    modified: float


@dataclass(frozen=True)
class _Entry:
    """What the index recorded of an entry when it was written or first found."""

    size: int
    sha256: str


def read_entry(path: Path) -> CachedFile | None:
    """A regular file's bytes, or None: a link is not followed and a FIFO not waited on."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:  # missing, or a symbolic link (ELOOP)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    return CachedFile(data, hashlib.sha256(data).hexdigest(), info.st_mtime)


class DiskCache:
    """Rendered files on disk under a size bound, least recently used evicted first."""

    def __init__(
        self,
        folder: Path,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        on_write_error: Callable[[OSError], None] | None = None,
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.on_write_error = on_write_error
        self.write_failures = 0
        folder.mkdir(parents=True, exist_ok=True)
        remove_partials(folder)
        self._lock = threading.Lock()
        self._index: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._failing = False  # the last write failed (logged once per run of failures)
        found = []
        for name in os.listdir(folder):
            if _ENTRY.match(name):
                with contextlib.suppress(OSError):  # last use first: reading it is a use
                    atime = os.stat(folder / name, follow_symlinks=False).st_atime
                    entry = read_entry(folder / name)
                    if entry is not None:
                        found.append((atime, name, _Entry(len(entry.data), entry.sha256)))
        for _, name, recorded in sorted(found):
            self._index[name] = recorded
        self._manifest_stamp: tuple[int, int] | None = None
        self._warm: dict[tuple[str, str], tuple[str, str]] = {}  # (hash, fmt) -> (file, sha)

    @property
    def size(self) -> int:
        """Bytes held by the cache's own entries."""
        with self._lock:
            return sum(entry.size for entry in self._index.values())

    def get(self, source_hash: str, fmt: str) -> CachedFile | None:
        """The cached file for a source hash and format, or None."""
        name = f"{source_hash}.{fmt}"
        if _ENTRY.match(name) is None:
            return None
        with self._lock:
            recorded = self._index.get(name)
        if recorded is not None:
            found = read_entry(self.folder / name)
            if found is not None and found.sha256 == recorded.sha256:
                with self._lock:
                    if name in self._index:
                        self._index.move_to_end(name)
                with contextlib.suppress(OSError):
                    os.utime(self.folder / name, (time.time(), found.modified))
                return found
            with self._lock:  # replaced, truncated or planted since: not ours any more
                self._index.pop(name, None)
        return self._from_manifest(source_hash, fmt)

    def put(self, source_hash: str, fmt: str, data: bytes) -> bool:
        """Store a rendered file, then evict past the bound; False if the disk refused it.

        Never raises for the disk (a full disk, a read-only folder): the caller has
        the bytes and serves them; the failure is logged once and counted.
        """
        name = f"{source_hash}.{fmt}"
        if _ENTRY.match(name) is None:
            raise ValueError(f"not a cache key: {name!r}")
        try:
            write_atomic(self.folder / name, data)  # a new file renamed over any planted one
        except OSError as exc:
            self._write_failed(name, exc)
            return False
        self._failing = False
        with self._lock:
            self._index[name] = _Entry(len(data), hashlib.sha256(data).hexdigest())
            self._index.move_to_end(name)
            victims = []
            total = sum(entry.size for entry in self._index.values())
            while total > self.max_bytes and len(self._index) > 1:
                victim, entry = self._index.popitem(last=False)
                victims.append(victim)
                total -= entry.size
        for victim in victims:
            with contextlib.suppress(OSError):
                (self.folder / victim).unlink(missing_ok=True)
        return True

    def _write_failed(self, name: str, exc: OSError) -> None:
        self.write_failures += 1
        if not self._failing:
            LOG.warning(
                "cache: cannot store %s in %s (%s); serving rendered files without caching them",
                name,
                self.folder,
                exc.strerror or exc,
            )
        self._failing = True
        if self.on_write_error is not None:
            self.on_write_error(exc)

    def _from_manifest(self, source_hash: str, fmt: str) -> CachedFile | None:
        """A file of a batch output folder whose manifest records this source hash."""
        self._reload_manifest()
        entry = self._warm.get((source_hash, fmt))
        if entry is None:
            return None
        name, sha = entry
        found = read_entry(self.folder / name)
        if found is None or found.sha256 != sha:  # changed since the batch wrote it
            return None
        return found

    def _reload_manifest(self) -> None:
        try:
            info = os.stat(self.folder / MANIFEST_NAME, follow_symlinks=False)
        except OSError:
            self._warm = {}
            return
        if not stat.S_ISREG(info.st_mode):  # a link or a FIFO is never read
            self._warm = {}
            return
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == self._manifest_stamp:
            return
        manifest = read_manifest(self.folder)
        warm: dict[tuple[str, str], tuple[str, str]] = {}
        for record in manifest.roles if manifest else ():
            for output in record.outputs:
                name = Path(output.file).name  # a name in this folder, never a path
                if name == output.file and not name.endswith(PARTIAL_SUFFIX):
                    warm[(record.source_hash, output.format)] = (name, output.sha256)
        self._warm, self._manifest_stamp = warm, stamp
