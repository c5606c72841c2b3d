"""The roles of the served folder, reloaded as their files change.

Each request looks at the folder (a directory listing and a ``stat`` per file)
and reloads only the files whose size, modification or change time or inode
changed, so an edited, added or removed role file shows on the next request
without a restart.
Slugs come from the role data, never from a URL: a request names a role only by
looking it up here. When two files give the same slug, the first by file name
wins and the other is listed as a problem, as ``exporter batch`` does.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from exporter.engine.claims import SlugClaims
from exporter.engine.settings import role_hash
from exporter.errors import ExporterError, FieldProblem, RoleError
from exporter.model.jsonfile import read_file
from exporter.model.role import MAX_FILE_BYTES, Role
from exporter.model.rolefile import decode_role, role_files
from exporter.service.responses import public_message


@dataclass(frozen=True)
class ServedRole:
    """One valid role file: its role, its bytes' source hash and its file."""

    role: Role
    path: Path
    source_hash: str


@dataclass(frozen=True)
class RoleProblem:
    """A role file that cannot be served, and why (the loader's message)."""

    path: Path
    message: str
    public: tuple[str, ...] = ()  #: what the listing shows: field and problem, no value

    @property
    def name(self) -> str:
        """The file's name as text (odd bytes escaped)."""
        return shown_name(self.path)


#: What tells a file version from another: modification and change time, size, inode.
#: The change time matters: an edit whose modification time is set back keeps the
#: size and the modification time, but the kernel moves the change time on.
_Stamp = tuple[int, int, int, int]

#: uvicorn's own logger for server messages (what ``exporter serve`` prints).
LOG = logging.getLogger("uvicorn.error")

#: What the page and the log say about a file whose name is not UTF-8.
NOT_UTF8 = "file name is not valid UTF-8; rename the file"


def shown_name(path: Path) -> str:
    """A file's name as text: bytes that are not UTF-8 shown as ``\\xNN`` (as the batch does)."""
    return os.fsencode(path.name).decode("utf-8", "backslashreplace")


class RoleIndex:
    """The folder's roles by slug, kept current with the files."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self._lock = threading.Lock()
        self._loaded: dict[Path, tuple[_Stamp, ServedRole | RoleProblem]] = {}

    def refresh(self, fingerprint: str) -> None:
        """New render inputs: every role's source hash is computed again on the next scan."""
        with self._lock:
            self.fingerprint = fingerprint
            self._loaded = {}

    def readable(self) -> bool:
        """Whether the folder can be listed now."""
        try:
            role_files(self.folder)
        except OSError:
            return False
        return self.folder.is_dir()

    def scan(self) -> tuple[dict[str, ServedRole], list[RoleProblem]]:
        """The valid roles by slug and the problems, from the folder as it is now."""
        with self._lock:
            try:
                paths = role_files(self.folder)
            except OSError:
                paths = []
            current: dict[Path, tuple[_Stamp, ServedRole | RoleProblem]] = {}
            for path in paths:
                if shown_name(path) != path.name:  # undecodable bytes: never rendered or served
                    known = self._loaded.get(path)
                    if known is None:
                        LOG.warning("%s: %s", shown_name(path), NOT_UTF8)
                    problem = RoleProblem(path, NOT_UTF8, (NOT_UTF8,))
                    current[path] = known or ((0, 0, 0, 0), problem)
                    continue
                try:
                    info = path.stat()
                except OSError:
                    continue
                stamp = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
                known = self._loaded.get(path)
                current[path] = known if known and known[0] == stamp else (stamp, self._load(path))
            self._loaded = current
        roles: dict[str, ServedRole] = {}
        problems: list[RoleProblem] = []
        claims = SlugClaims()  # the engine's rule: the first file (by name) holds a name
        for path, (_, item) in sorted(current.items()):
            if isinstance(item, RoleProblem):
                problems.append(item)
            elif (clash := claims.claim(item.role.slug, path.name)) is not None:
                holder = claims.holders[item.role.slug]
                public = f"its output name is already used by {holder}"  # no role values
                problems.append(RoleProblem(path, clash, (public,)))
            else:
                roles[item.role.slug] = item
        return roles, problems

    def get(self, slug: str) -> ServedRole | None:
        """The role with this slug now, or None."""
        return self.scan()[0].get(slug)

    def _load(self, path: Path) -> ServedRole | RoleProblem:
        try:
            raw = read_file(path, MAX_FILE_BYTES, path.name)
            role = decode_role(raw, path.name).role
        except ExporterError as exc:
            LOG.warning("%s", exc)  # the whole message, values too, for the operator only
            if isinstance(exc, RoleError):
                public = tuple(
                    str(FieldProblem(p.field, public_message(p.message))) for p in exc.problems
                )
            else:
                public = ("cannot be read as a role file; the server log says why",)
            return RoleProblem(path, str(exc), public)
        return ServedRole(role, path, role_hash(self.fingerprint, raw))
