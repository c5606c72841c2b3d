"""The import ledger: what ``exporter import`` wrote in a roles folder, so it never
overwrites a file someone else wrote or edited.

Every file the import opens in the folder is opened without blocking and must be
a regular file: a FIFO or a device at the ledger's path, or at a role file's, is
an error naming it, never a hang.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from exporter.errors import ExporterError
from exporter.files import UnsafeFile, read_regular_file, write_atomic
from exporter.model.role import MAX_FILE_BYTES

#: In the roles folder: the SHA-256 of every role file import wrote there, by file name.
#: (No ``.json`` suffix, so it is never read as a role file.)
LEDGER_NAME = ".exporter-imported"


@dataclass
class Ledger:
    """The folder's ledger, as read at the start of an import and kept up to date."""

    folder: Path
    hashes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Ledger:
        """The ledger of ``folder``: empty if it has none; an error if it is not a file."""
        path = folder / LEDGER_NAME
        try:
            raw = read_regular_file(path, MAX_FILE_BYTES, follow_symlinks=False)
        except UnsafeFile as exc:
            if not path.exists() and not path.is_symlink():
                return cls(folder)
            raise ExporterError(f"{path}: import ledger unreadable: {exc}") from None
        try:
            data = json.loads(raw)
        except ValueError:
            return cls(folder)
        if not isinstance(data, dict):
            return cls(folder)
        return cls(folder, {str(k): str(v) for k, v in data.items()})

    def write(self, name: str, data: bytes, source: str, force: bool) -> Path:
        """Write a role file ``name`` (if it may be replaced), then the ledger; its path."""
        path = self.folder / name
        target = path
        try:
            if may_write(path, data, self.hashes, force):
                write_atomic(path, data)
            self.hashes[name] = hashlib.sha256(data).hexdigest()
            target = self.folder / LEDGER_NAME
            text = json.dumps(self.hashes, indent=1, sort_keys=True) + "\n"
            write_atomic(target, text.encode("utf-8"))
        except OSError as exc:
            raise ExporterError(f"{source}: cannot write {target}: {exc.strerror}") from None
        return path


def may_write(path: Path, data: bytes, hashes: dict[str, str], force: bool) -> bool:
    """Whether import may write ``data`` to ``path``; False if the file already holds it.

    An existing file is overwritten only if import wrote it and nobody changed it
    since (its SHA-256 is the one in the folder's ledger, :data:`LEDGER_NAME`), or
    with ``force``. A file someone edited by hand, or that came from elsewhere, is
    refused with an error naming it.
    """
    try:
        current = read_regular_file(path, MAX_FILE_BYTES, follow_symlinks=False)
    except UnsafeFile:
        if not path.exists() and not path.is_symlink():
            return True
        if force:
            return True
        raise ExporterError(f"{path}: exists and is not a regular file; not overwritten") from None
    if current == data:
        return False
    if force or hashes.get(path.name) == hashlib.sha256(current).hexdigest():
        return True
    raise ExporterError(
        f"{path}: exists and was not written by import (edited by hand?); "
        "not overwritten (use --force to replace it)"
    )
