"""Reading a file named by untrusted input: regular files only, never more than a cap."""

from __future__ import annotations

import os
import stat
from pathlib import Path


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
