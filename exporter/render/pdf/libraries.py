"""WeasyPrint, imported with its native libraries found from the linker's cache.

WeasyPrint opens GObject, Pango, HarfBuzz and Fontconfig with cffi, trying several
names per library; the first names are spellings for other systems. For each name
that is not a loadable file, cffi asks :func:`ctypes.util.find_library`, which on
Linux reads ``ldconfig -p`` and, when that finds nothing, runs ``gcc`` and then
``ld`` to search for the library. About twenty compiler runs: 0.15 to 0.25 s of
every process that imports WeasyPrint, the ``weasyprint`` command included, a
third of a one-role ``exporter render``.

:func:`import_weasyprint` imports WeasyPrint once with ``find_library`` answered
from one reading of the linker's cache: the cache's first library named
``lib<name>.<suffix>``, which is the answer ``find_library`` gives from the cache
itself, and None where the cache has none, without the compiler search. The
libraries WeasyPrint loads are the same: it also tries each library's full file
name (``libpango-1.0.so.0``), which the dynamic loader finds on its own path
(``LD_LIBRARY_PATH`` included). The ordinary lookup is put back right after the
import. Off Linux, or without ``ldconfig``, WeasyPrint is imported as usual.

Every module of the exporter that imports WeasyPrint imports this module first
(its import does the work), so the first import in a process is the quick one.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable


def linker_cache() -> list[str] | None:
    """The library file names the dynamic linker's cache lists, in its order (None: unknown)."""
    if not sys.platform.startswith("linux"):
        return None
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.access(p, os.X_OK)), None
    )
    if ldconfig is None:
        return None
    try:
        listing = subprocess.run(
            [ldconfig, "-p"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
            env={"LC_ALL": "C", "LANG": "C", "PATH": os.environ.get("PATH", "")},
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = re.findall(r"^\s+(\S+) \(", listing, flags=re.MULTILINE)
    return names or None


def cache_lookup(names: list[str]) -> Callable[[str], str | None]:
    """A ``find_library`` that answers from ``names`` (the linker cache's file names)."""

    def find_library(name: str) -> str | None:
        prefix = f"lib{name}."
        return next((entry for entry in names if entry.startswith(prefix)), None)

    return find_library


def import_weasyprint() -> None:
    """Import WeasyPrint, finding its libraries from the linker's cache (called once, when
    this module is imported; a process that imported WeasyPrint already is left alone)."""
    if "weasyprint" in sys.modules:
        return
    names = linker_cache()
    if names is None:
        import weasyprint

        return
    ordinary = ctypes.util.find_library
    ctypes.util.find_library = cache_lookup(names)  # type: ignore[assignment]
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = ordinary


import_weasyprint()
