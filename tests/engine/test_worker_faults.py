"""Worker faults against a real ``exporter serve``: kill its render workers, then download.

The render workers are found as children of the server process in ``/proc``;
killing one idle must cost no request, killing one busy at most that request.
Read back: HTTP status, the PDF's bytes, ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import alive, processes, stat_fields
from tests.readback import pdf_text
from tests.service.conftest import copy_roles
from tests.service.server import Server, serve_command, until

SLUGS = (
    "backend-administrator-canada",
    "lead-backend-specialist-canada",
    "machine-learning-lead-canada",
)


def render_workers(server: Server) -> list[int]:
    """The server's worker processes (spawned children running multiprocessing's main)."""
    assert server.process is not None
    found = []
    for pid, fields in processes():
        if int(fields[1]) != server.process.pid or fields[0] == "Z":
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(pid)
    return found


def cpu_ticks(pid: int) -> int:
    """User and system clock ticks the process has used (0 once it is gone)."""
    fields = stat_fields(pid)
    return 0 if fields is None else int(fields[11]) + int(fields[12])


@pytest.fixture()
def running(tmp_path: Path) -> Iterator[Server]:
    roles = copy_roles(tmp_path / "roles")
    server = Server(serve_command(roles, tmp_path / "cache", "--jobs", "1")).start()
    yield server
    server.stop()


def test_killed_idle_then_busy_workers_cost_at_most_the_busy_request(running: Server) -> None:
    [idle] = render_workers(running)
    os.kill(idle, signal.SIGKILL)
    until(lambda: not alive(idle), "the idle worker gone")
    assert httpx.get(running.url + "/readyz").status_code == 503  # its real health

    first = httpx.get(f"{running.url}/roles/{SLUGS[0]}.pdf", timeout=120)
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF-") and "Backend Administrator" in pdf_text(first.content)
    assert running.metric("exporter_worker_replacements_total") == 1
    until(lambda: httpx.get(running.url + "/readyz").status_code == 200, "ready again")

    [busy] = render_workers(running)
    assert busy != idle
    before = cpu_ticks(busy)
    answers: list[httpx.Response] = []
    request = threading.Thread(
        target=lambda: answers.append(httpx.get(f"{running.url}/roles/{SLUGS[1]}.pdf", timeout=120))
    )
    request.start()
    until(lambda: cpu_ticks(busy) > before or answers, "the worker rendering", 60)
    os.kill(busy, signal.SIGKILL)
    request.join(120)
    [answer] = answers
    if answer.status_code == 503:  # killed mid-render: that request fails, typed and clean
        assert answer.headers["content-type"] == "application/problem+json"
        assert "worker process died" in answer.json()["detail"]
        assert answer.headers["retry-after"]
    else:  # the render won the race: it was served whole
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")

    after = httpx.get(f"{running.url}/roles/{SLUGS[2]}.pdf", timeout=120)
    assert after.status_code == 200
    assert "Machine Learning Lead" in pdf_text(after.content)
    assert running.metric("exporter_worker_replacements_total") == 2
    until(lambda: httpx.get(running.url + "/readyz").status_code == 200, "ready again")
    assert busy not in render_workers(running)
