"""Files on disk: reading what untrusted input names, writing so readers see only whole files.

Reading: :func:`read_regular_file` opens regular files only, never more than a cap.

Writing: data goes to a temporary name in the target's own folder
(``.<name>.<random>.part``) and is renamed into place when whole and synced; a
killed process leaves at most a ``.part`` file, which :func:`remove_partials`
clears on the next run. :func:`atomic_path` is the one writer; :func:`write_atomic`
is the same for bytes already in memory.

Caching: :func:`user_cache_folder` is where this user's caches live
(``$XDG_CACHE_HOME/exporter/<name>``, ``~/.cache`` by default) and
:func:`private_folder` makes sure only this user can write there before anything
read back from it is trusted.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_SUFFIX = ".part"

#: The earliest time a zip entry can hold; every entry we write carries it, so equal
#: content gives equal archive bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class UnsafeFile(ValueError):
    """The path is not a readable regular file within the size cap; the message says why."""


def read_regular_file(path: Path, max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is :class:`UnsafeFile`.

    The file is opened without blocking and checked on the open descriptor before it
    is read, so a FIFO, a device such as ``/dev/zero`` or a folder is refused instead
    of hanging or reading forever, even if it replaced a regular file a moment ago.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("not a regular file")
        if info.st_size > max_bytes:
            raise UnsafeFile(f"file is larger than {max_bytes:,} bytes")
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # the file grew while being read
        raise UnsafeFile(f"file is larger than {max_bytes:,} bytes")
    return data


@contextmanager
def atomic_path(path: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary path beside ``path``; synced and renamed onto ``path`` if the block succeeds.

    On any failure (an exception, Ctrl-C) the temporary file is removed and
    ``path`` keeps whatever it held before.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers only ever see the whole file."""
    with atomic_path(path, mode) as temp:
        temp.write_bytes(data)


def remove_partials(folder: Path) -> int:
    """Delete temporary files a killed writer left in ``folder``; returns how many."""
    removed = 0
    for path in folder.glob(f".*{PARTIAL_SUFFIX}"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def zip_entry(name: str, compress: bool = True) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp and plain file permissions (reproducible archives)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def user_cache_folder(name: str) -> Path | None:
    """This user's cache folder ``name``: ``$XDG_CACHE_HOME/exporter/<name>`` (or ~/.cache).

    None when there is neither ``XDG_CACHE_HOME`` nor a home folder (a container
    started with an arbitrary user id): the caller does without the cache.
    """
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no entry in the user database
            return None
    return Path(base) / "exporter" / name


def private_folder(folder: Path) -> Path | None:
    """``folder``, created 0700 if missing, if it is a real folder only this user can write.

    None when it cannot be made so: the caller then does without the cache (or
    uses a fresh temporary folder), never trusting files another user could plant.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return None
    if info.st_mode & 0o077:
        try:
            os.chmod(folder, 0o700)
        except OSError:
            return None
    return folder
