"""The service's disk cache of rendered files, keyed by the batch's source hash.

An entry is ``<source_hash>.<format>`` in the cache folder, written atomically
(:func:`exporter.files.write_atomic`). The source hash
(:func:`exporter.batch.settings.role_hash`) covers the role file's bytes and every
other render input, so an entry never goes stale: a changed input is a new key.

The cache holds at most ``max_bytes`` of its own entries; past that the least
recently used are deleted (use is recorded as the file's access time, so the order
survives a restart). If the folder is an ``exporter batch`` output folder, the
files its ``manifest.json`` lists are served too, for the roles whose recorded
source hash matches: a warm cache. Those files belong to the batch and are never
evicted or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from exporter.engine.records import MANIFEST_NAME, read_manifest
from exporter.files import PARTIAL_SUFFIX, remove_partials, write_atomic

_ENTRY = re.compile(r"^[0-9a-f]{64}\.(pdf|docx)$")

#: Default size bound of the cache's own entries.
DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class CachedFile:
    """One cached file read back: its bytes, their SHA-256 and when it was written."""

    data: bytes
    sha256: str
    modified: float


class DiskCache:
    """Rendered files on disk under a size bound, least recently used evicted first."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        remove_partials(folder)
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()  # least recently used first
        found = []
        for path in folder.iterdir():
            if _ENTRY.match(path.name) and path.is_file():
                info = path.stat()
                found.append((info.st_atime, path.name, info.st_size))
        for _, name, size in sorted(found):
            self._sizes[name] = size
        self._digests: dict[tuple[str, int, int], str] = {}  # (name, mtime_ns, size) -> sha
        self._manifest_stamp: tuple[int, int] | None = None
        self._warm: dict[tuple[str, str], tuple[str, str]] = {}  # (hash, fmt) -> (file, sha)

    @property
    def size(self) -> int:
        """Bytes held by the cache's own entries."""
        return sum(self._sizes.values())

    def get(self, source_hash: str, fmt: str) -> CachedFile | None:
        """The cached file for a source hash and format, or None."""
        name = f"{source_hash}.{fmt}"
        if _ENTRY.match(name) is None:
            return None
        found = self._read(self.folder / name)
        if found is not None:
            with self._lock:
                if name in self._sizes:
                    self._sizes.move_to_end(name)
            now = time.time()
            with contextlib.suppress(OSError):
                os.utime(self.folder / name, (now, found.modified))
            return found
        return self._from_manifest(source_hash, fmt)

    def put(self, source_hash: str, fmt: str, data: bytes) -> None:
        """Store a rendered file, then evict the least recently used past the bound."""
        name = f"{source_hash}.{fmt}"
        if _ENTRY.match(name) is None:
            raise ValueError(f"not a cache key: {name!r}")
        write_atomic(self.folder / name, data)
        with self._lock:
            self._sizes[name] = len(data)
            self._sizes.move_to_end(name)
            victims = []
            total = sum(self._sizes.values())
            while total > self.max_bytes and len(self._sizes) > 1:
                victim, size = self._sizes.popitem(last=False)
                victims.append(victim)
                total -= size
        for victim in victims:
            (self.folder / victim).unlink(missing_ok=True)

    def _read(self, path: Path) -> CachedFile | None:
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
        except OSError:
            return None
        key = (path.name, info.st_mtime_ns, len(data))
        digest = self._digests.get(key)
        if digest is None:  # hashed once per file version, not per request
            digest = hashlib.sha256(data).hexdigest()
            if len(self._digests) > 4096:
                self._digests.clear()
            self._digests[key] = digest
        return CachedFile(data, digest, info.st_mtime)

    def _from_manifest(self, source_hash: str, fmt: str) -> CachedFile | None:
        """A file of a batch output folder whose manifest records this source hash."""
        self._reload_manifest()
        entry = self._warm.get((source_hash, fmt))
        if entry is None:
            return None
        name, sha = entry
        found = self._read(self.folder / name)
        if found is None or found.sha256 != sha:  # changed since the batch wrote it
            return None
        return found

    def _reload_manifest(self) -> None:
        try:
            info = (self.folder / MANIFEST_NAME).stat()
        except OSError:
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
