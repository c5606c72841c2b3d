"""WeasyPrint's libraries are found from the linker's cache, without a compiler run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from exporter.render.pdf.libraries import cache_lookup, linker_cache

#: Imports WeasyPrint (through the exporter or not) and reports which programs the
#: process started and what WeasyPrint loaded.
PROBE = """
import ctypes.util, json, sys
started = []
def audit(event, args):
    if event == "subprocess.Popen":
        started.append(str(args[0]).rsplit("/", 1)[-1])
sys.addaudithook(audit)
ordinary = ctypes.util.find_library
if sys.argv[1] == "exporter":
    import exporter.render.pdf.writer
from weasyprint.text import ffi
print(json.dumps({
    "started": started,
    "restored": ctypes.util.find_library is ordinary,
    "loaded": {name: getattr(ffi, name) is not None for name in (
        "gobject", "pango", "harfbuzz", "harfbuzz_subset", "harfbuzz_vector",
        "fontconfig", "pangoft2")},
}))
"""


def probe(how: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, how], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_lookup_answers_like_the_cache() -> None:
    find = cache_lookup(["libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libc.so.6"])
    assert find("pango-1.0") == "libpango-1.0.so.0"
    assert find("pangoft2-1.0") == "libpangoft2-1.0.so.0"
    assert find("c") == "libc.so.6"
    assert find("libpango-1.0-0") is None  # another system's spelling: no compiler search
    assert find("harfbuzz-vector") is None


@pytest.mark.skipif(linker_cache() is None, reason="no dynamic linker cache (not Linux)")
def test_weasyprint_loads_the_same_libraries_without_running_a_compiler() -> None:
    ours, ordinary = probe("exporter"), probe("weasyprint")
    assert ours["loaded"] == ordinary["loaded"]
    assert all(
        loaded
        for name, loaded in ours["loaded"].items()
        if "_" not in name  # type: ignore[union-attr]
    )
    assert ours["restored"] is True
    assert ours["started"] == ["ldconfig"]
    # WeasyPrint on its own searches with the compiler for the names the cache lacks.
    assert len(ordinary["started"]) > len(ours["started"])  # type: ignore[arg-type]
