"""The library API is safe to call from many threads (see ``exporter.api``'s module doc).

The stress test runs in a fresh interpreter (a cold start: no writer cached, no
font configuration built) so that memory corruption shows as a crash or as
allocator and GLib messages on stderr, which must stay empty.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

STRESS = """
import hashlib, json, sys, threading
from exporter import api, load_role
from exporter.model.rolefile import role_files

roles = [load_role(p) for p in role_files("fixtures/roles")]
THREADS, RENDERS = 4, 20
start = threading.Barrier(THREADS)
digests = {}
errors = []
lock = threading.Lock()

def work(index):
    start.wait()  # every thread starts at once, on a cold cache
    try:
        for k in range(RENDERS):
            role = roles[(index + k) % len(roles)]
            fmt = "pdf" if (index + k) % 2 == 0 else "docx"
            data = api.render_pdf(role) if fmt == "pdf" else api.render_docx(role)
            with lock:
                digests.setdefault((role.slug, fmt), set()).add(hashlib.sha256(data).hexdigest())
    except BaseException as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({
    "errors": errors,
    "renders": THREADS * RENDERS,
    "distinct": {f"{slug}.{fmt}": len(found) for (slug, fmt), found in digests.items()},
}))
"""


@pytest.mark.slow
def test_four_threads_render_twenty_each_from_a_cold_start():
    done = subprocess.run(
        [sys.executable, "-c", STRESS], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no "corrupted double-linked list", no GLib-CRITICAL
    summary = json.loads(done.stdout)
    assert summary["errors"] == []
    assert len(summary["distinct"]) == 6  # three roles, two formats
    assert set(summary["distinct"].values()) == {1}  # every render of a file: the same bytes
