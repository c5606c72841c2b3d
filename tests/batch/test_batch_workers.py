"""``exporter batch`` with real worker processes: limits, dying workers, kills, no-op imports.

Misbehaving roles come from renderers passed through the batch's ``render`` seam
(:mod:`tests.faults`); nothing in the package reads a test hook.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest

from exporter.batch.run import run_batch
from exporter.engine.executors import kill_workers, process_pool, worker_processes
from exporter.engine.failures import WORKER_DIED
from exporter.engine.jobs import Limits
from exporter.engine.settings import Settings
from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import check_manifest_matches_files, manifest
from tests.faults import Misbehave
from tests.processes import alive, processes
from tests.readback import pdf_reader

pytestmark = pytest.mark.slow

DOCX = Settings(formats=("docx",))


def slug_of(path: Path) -> str:
    return load_role(path).slug


def test_a_role_past_the_time_limit_is_stopped_and_the_batch_goes_on(six_roles, tmp_path):
    slow = role_files(six_roles)[1]
    out = tmp_path / "out"
    started = time.monotonic()
    report = run_batch(
        role_files(six_roles),
        out,
        DOCX,
        jobs=2,
        limits=Limits(seconds=5),
        render=Misbehave("sleep", slug_of(slow)),
    )
    assert time.monotonic() - started < 120  # it sleeps an hour: the limit stopped it
    summary = report.to_json()
    assert [f["source"] for f in summary["failed"]] == [slow.name]
    assert summary["failed"][0]["error"] == f"{slow.name}: exceeded the time limit of 5 s"
    assert (summary["rendered"], summary["exported"]) == (5, 5)
    data = check_manifest_matches_files(out)
    assert [f["source"] for f in data["failed"]] == [slow.name]
    assert not (out / f"{slug_of(slow)}.docx").exists()


@pytest.mark.parametrize("action", ["hang", "crash"])
def test_a_worker_that_dies_takes_only_its_own_role_down(six_roles, tmp_path, action):
    bad = role_files(six_roles)[2]
    out = tmp_path / "out"
    report = run_batch(
        role_files(six_roles),
        out,
        DOCX,
        jobs=2,
        limits=Limits(seconds=2, memory_mb=1024, grace=1),
        render=Misbehave(action, slug_of(bad)),
    )
    assert [f.source for f in report.failures] == [bad.name]
    assert report.failures[0].error == f"{bad.name}: {WORKER_DIED}"
    assert report.rendered == 5
    check_manifest_matches_files(out)


def test_a_role_past_the_memory_limit_is_stopped(six_roles, tmp_path):
    greedy = role_files(six_roles)[0]
    report = run_batch(
        role_files(six_roles),
        tmp_path / "out",
        DOCX,
        jobs=1,
        limits=Limits(memory_mb=256),
        render=Misbehave("memory", slug_of(greedy)),
    )
    assert [f.error for f in report.failures] == [
        f"{greedy.name}: exceeded the memory limit of 256 MB"
    ]
    assert report.rendered == 5


def test_fail_fast_stops_submitting_after_a_failure(six_roles, tmp_path):
    first = role_files(six_roles)[0]
    report = run_batch(
        role_files(six_roles),
        tmp_path / "out",
        DOCX,
        jobs=1,
        fail_fast=True,
        limits=Limits(seconds=3),
        render=Misbehave("sleep", slug_of(first)),
    )
    assert [f.source for f in report.failures] == [first.name]
    assert report.not_attempted >= 1
    assert not report.ok


def _children(pid: int) -> list[int]:
    return [child for child, fields in processes() if int(fields[1]) == pid]


def _assert_only_whole_files(out: Path) -> None:
    for path in out.iterdir():
        if path.suffix == ".pdf":
            assert len(pdf_reader(path.read_bytes()).pages) >= 1
        elif path.suffix == ".docx":
            assert docx.Document(str(path)).paragraphs
        elif path.name == "manifest.json":
            json.loads(path.read_text(encoding="utf-8"))


def test_a_batch_killed_mid_run_leaves_whole_files_and_a_rerun_completes(six_roles, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "exporter", "batch", str(six_roles), "--out", str(out)]
    slow_batch = (  # the batch as the CLI runs it, each role made slow through the seam
        "import sys; from exporter.batch.run import run_batch;"
        "from exporter.engine.settings import Settings;"
        "from exporter.model.rolefile import role_files; from tests.faults import Misbehave;"
        f"run_batch(role_files({str(six_roles)!r}), __import__('pathlib').Path({str(out)!r}),"
        " Settings(), jobs=2, render=Misbehave('sleep', '*', 0.5))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow_batch],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 2:
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "the batch should be running worker processes"
        proc.send_signal(signal.SIGKILL)  # the batch dies mid-run, with no chance to clean up
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.1)
        orphans = [pid for pid in workers if alive(pid)]
        for pid in orphans:
            os.kill(pid, signal.SIGKILL)
        assert not orphans, "workers must not outlive the batch"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    written = sorted(p.name for p in out.iterdir() if p.suffix in (".pdf", ".docx"))
    assert 0 < len(written) < 12
    _assert_only_whole_files(out)

    rerun = subprocess.run([*command, "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "6 of 6 roles exported" in rerun.stdout
    data = check_manifest_matches_files(out)
    assert len(data["roles"]) == 6
    assert not list(out.glob(".*.part"))
    _assert_only_whole_files(out)


def test_a_batch_with_nothing_to_do_never_imports_the_renderers(six_roles, tmp_path):
    out = tmp_path / "out"
    run_batch(role_files(six_roles), out, DOCX, jobs=2)
    script = (
        "import sys\n"
        "from exporter.cli import cli\n"
        "try:\n"
        f"    cli.main(['batch', {str(six_roles)!r}, '--out', {str(out)!r}, '--format', 'docx',"
        " '--json', '--quiet'], prog_name='exporter')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "loaded = sorted(m for m in ('weasyprint', 'docx', 'pydyf') if m in sys.modules)\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rendered"] == 0
    assert "LOADED []" in proc.stderr
    assert manifest(out)["summary"] == {"roles": 6, "stale": 0, "failed": 0, "complete": True}


def _pid() -> int:
    return os.getpid()


def test_the_pool_names_and_kills_its_worker_processes():
    executor = process_pool(1, _pid, ())
    try:
        pid = executor.submit(_pid).result(timeout=120)
        processes = worker_processes(executor)
        assert [p.pid for p in processes] == [pid]
        kill_workers(executor)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:  # gone, or a zombie not yet reaped
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    with ThreadPoolExecutor(1) as threads:  # no processes: nothing to name or kill
        assert worker_processes(threads) == []
        kill_workers(threads)


def test_a_broken_template_stops_the_batch_before_any_role(runner, roles, tmp_path):
    """The batch checks its templates while the workers start; none of them reports."""
    from exporter.cli import cli

    templates = tmp_path / "templates" / "blocks"
    templates.mkdir(parents=True)
    broken = templates / "callout.html"
    broken.write_text("{% if %}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(roles), "--out", str(out), "-j", "2", "--templates", str(templates.parent)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert f"error: {broken}, line 1: template error" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [p for p in out.iterdir() if p.suffix in (".pdf", ".docx")]
    assert manifest(out)["summary"] == {"roles": 0, "stale": 0, "failed": 0, "complete": False}
