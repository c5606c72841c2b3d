"""The served roles and files in memory, checked at most once per interval.

A request never lists or stats the roles folder and never hashes: it reads a
:class:`View` (the roles by slug, as :class:`~exporter.service.roles.RoleIndex`
last scanned them) and a dictionary of :class:`~exporter.service.immutable.ServedFile`
(bytes and headers built once). When a view is older than ``check_seconds``, the
request that notices starts one check in a worker thread and is answered from the
view it has (an edited role shows within about a second); only a changed render
fingerprint (new templates or brand) makes requests wait for a fresh view, since
every source hash changed with it.

A check: the role folder's scan (a listing and a ``stat`` per file; changed files
are read again), a look in the disk cache for the files the view lacks (rendered
since), the cache entries served since the last check touched (so the cache's
least-recently-used order stays true), and a sweep of ``files/`` (links whose cache
entry was evicted). All of it off the event loop; the results are applied on it.

Bytes are held up to ``memory_bytes``, least recently used dropped first; a
dropped file's name stays known (``/roles`` still names its immutable URL) and its
bytes are read again from disk when asked for.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from exporter.api import FORMATS
from exporter.engine.records import read_manifest
from exporter.service.cache import DiskCache
from exporter.service.immutable import (
    FILES,
    ServedFile,
    file_name,
    parse_name,
    publish,
    read,
    served_file,
    sweep,
)
from exporter.service.inputs import LOG
from exporter.service.roles import RoleIndex, RoleProblem, ServedRole

#: Seconds a view of the roles folder is trusted before the next check.
CHECK_SECONDS = 1.0

#: Bytes of files held in memory.
MEMORY_BYTES = 64 * 1024 * 1024

Key = tuple[str, str]  # (source hash, format)


@dataclass(frozen=True)
class View:
    """The roles as one check found them: by slug, the problems, and under which inputs."""

    roles: Mapping[str, ServedRole]
    problems: tuple[RoleProblem, ...]
    fingerprint: str


@dataclass(frozen=True)
class _Found:
    """What a check found, applied on the event loop."""

    view: View
    loaded: tuple[ServedFile, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass
class _Memory:
    """Files by name, least recently used first, within a byte budget."""

    budget: int
    files: OrderedDict[str, ServedFile] = field(default_factory=OrderedDict)
    size: int = 0

    def keep(self, served: ServedFile) -> None:
        old = self.files.pop(served.name, None)
        self.size -= len(old.data) if old else 0
        self.files[served.name] = served
        self.size += len(served.data)
        while self.size > self.budget and len(self.files) > 1:
            _, dropped = self.files.popitem(last=False)
            self.size -= len(dropped.data)

    def drop(self, name: str) -> None:
        old = self.files.pop(name, None)
        self.size -= len(old.data) if old else 0


class FileIndex:
    """Each role's current files and every known content-addressed file, for the hot path."""

    def __init__(
        self,
        roles: RoleIndex,
        cache: DiskCache,
        check_seconds: float = CHECK_SECONDS,
        memory_bytes: int = MEMORY_BYTES,
    ) -> None:
        self.roles = roles
        self.cache = cache
        self.folder = cache.folder / FILES
        self.folder.mkdir(exist_ok=True)
        self.check_seconds = check_seconds
        self.version = 0  #: changes whenever the view or a known name does (for listings)
        self._view: View | None = None
        self._due = 0.0
        self._memory = _Memory(memory_bytes)
        self._names: dict[Key, str] = {}  # cache key -> content name
        self._slugs: dict[str, str] = {}  # content name -> slug
        self._used: set[str] = set()
        self._checking: asyncio.Task[None] | None = None

    # --- the hot path: plain dictionary reads, no awaiting, no system calls ---

    def peek(self) -> View | None:
        """The current view, starting a check in the background when it is due; None
        when there is none to trust (first use, new render inputs): await :meth:`view`."""
        view = self._view
        if view is None or view.fingerprint != self.roles.fingerprint:
            return None
        if time.monotonic() >= self._due and self._checking is None:
            self._checking = asyncio.get_running_loop().create_task(self._check())
        return view

    def stable(self, view: View, slug: str, fmt: str) -> ServedFile | None:
        """The role's current file in memory, or None (not a role, not rendered, not held)."""
        served = view.roles.get(slug)
        if served is None:
            return None
        name = self._names.get((served.source_hash, fmt))
        if name is None:
            return None
        found = self._memory.files.get(name)
        if found is None or found.slug != slug:
            return None
        self._touch(name)
        return found

    def immutable(self, name: str) -> ServedFile | None:
        """A content-addressed file in memory, or None."""
        found = self._memory.files.get(name)
        if found is not None:
            self._touch(name)
        return found

    def name_of(self, served: ServedRole, fmt: str) -> str | None:
        """The content-addressed name of a role's current file, if it has been rendered."""
        return self._names.get((served.source_hash, fmt))

    # --- misses and checks: off the event loop ---

    async def view(self) -> View:
        """A view to trust: the current one, or a fresh one when there is none."""
        view = self.peek()
        while view is None:
            await self._check_now()
            view = self.peek()
        return view

    async def load_stable(self, view: View, slug: str, fmt: str) -> ServedFile | None:
        """The role's current file from the disk cache, or None (it must be rendered)."""
        served = view.roles.get(slug)
        if served is None:
            return None
        found = await asyncio.to_thread(self._load, served, fmt)
        if found is not None:
            self._learn(found)
            self._touch(found.name)
        return found

    async def load_immutable(self, name: str) -> ServedFile | None:
        """A published file read from ``files/``, or None if there is no such file."""
        parsed = parse_name(name)
        if parsed is None:
            return None
        got = await asyncio.to_thread(read, self.folder, name)
        if got is None:
            return None
        sha, fmt = parsed
        slug = self._slugs.get(name, sha)
        found = served_file(slug, fmt, sha, "", got[0], got[1])
        self._memory.keep(found)
        return found

    async def _check_now(self) -> None:
        if self._checking is None:
            self._checking = asyncio.get_running_loop().create_task(self._check())
        await asyncio.shield(self._checking)

    async def _check(self) -> None:
        try:
            used, self._used = self._used, set()
            known = set(self._names)
            touch = [self._memory.files[n] for n in used if n in self._memory.files]
            found = await asyncio.to_thread(self._look, known, touch)
            self._apply(found)
        except OSError as exc:  # the cache folder gone, a full disk: serve on, look again later
            if self._view is None:
                raise  # nothing to serve from: the request fails, the next one tries again
            LOG.error("could not check the roles and the cache: %s", exc)
            self._due = time.monotonic() + self.check_seconds
        finally:
            self._checking = None

    def _look(self, known: set[Key], touch: list[ServedFile]) -> _Found:
        """One check (in a worker thread): reads only, the results applied by the loop."""
        fingerprint = self.roles.fingerprint
        roles, problems = self.roles.scan()
        loaded = []
        for served in roles.values():
            for fmt in FORMATS:
                if (served.source_hash, fmt) not in known:
                    file = self._load(served, fmt)
                    if file is not None:
                        loaded.append(file)
        for file in touch:  # the cache's own LRU order and access times
            self.cache.get(file.source_hash, file.fmt)
        removed = tuple(sweep(self.folder))
        return _Found(View(roles, tuple(problems), fingerprint), tuple(loaded), removed)

    def _load(self, served: ServedRole, fmt: str) -> ServedFile | None:
        """A role's file from the disk cache, published under its content name (a thread)."""
        cached = self.cache.get(served.source_hash, fmt)
        if cached is None:
            return None
        name = file_name(cached.sha256, fmt)
        publish(self.folder, self._sources(served.source_hash, fmt, cached.sha256), name,
                len(cached.data))  # fmt: skip
        return served_file(
            served.role.slug, fmt, cached.sha256, served.source_hash, cached.data, cached.modified
        )

    def _sources(self, source_hash: str, fmt: str, sha256: str) -> list[Path]:
        """The cache's files that may hold these bytes: its own entry, else a batch's file."""
        own = self.cache.folder / f"{source_hash}.{fmt}"
        if own.exists():
            return [own]
        manifest = read_manifest(self.cache.folder)
        records = manifest.roles if manifest else ()
        return [
            self.cache.folder / Path(output.file).name
            for record in records
            for output in record.outputs
            if output.sha256 == sha256 and output.format == fmt
        ]

    def _apply(self, found: _Found) -> None:
        changed = found.view.roles != (self._view.roles if self._view else None)
        changed = changed or bool(found.loaded or found.removed)
        if found.removed:
            gone = set(found.removed)
            self._names = {k: v for k, v in self._names.items() if v not in gone}
            for name in gone:
                self._memory.drop(name)
                self._slugs.pop(name, None)
        for file in found.loaded:
            self._learn(file)
        self._view = found.view
        self._due = time.monotonic() + self.check_seconds
        if changed:
            self.version += 1

    def _learn(self, file: ServedFile) -> None:
        key = (file.source_hash, file.fmt)
        if self._names.get(key) != file.name:
            self._names[key] = file.name
            self.version += 1
        self._slugs[file.name] = file.slug
        self._memory.keep(file)

    def _touch(self, name: str) -> None:
        self._memory.files.move_to_end(name)
        self._used.add(name)
