"""The batch as the CLI runs it, under late stop signals and FIFOs where its records go.

Read back: the exit code, the messages, and the files left in the output folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import check_manifest_matches_files, edit_role
from tests.batch.test_batch_workers import _assert_only_whole_files
from tests.conftest import ROOT
from tests.processes import signalled_run


def _batch(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "exporter", "batch", "fixtures/roles", "--out", str(out), *extra]


def _with_copies(roles: Path, copies: int = 2) -> Path:
    """The three fixture roles and ``copies`` renamed copies of each."""
    for index, path in enumerate(role_files(roles) * copies):
        copy = roles / f"copy-{index}.json"
        shutil.copy(path, copy)
        edit_role(copy, role=f"{load_role(path).role} Copy {index}")
    return roles


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0], ids=["starting", "early", "later"])
def test_int_term_term_a_tenth_apart_exit_130(roles, tmp_path, delay):
    """However late the third signal lands, the handlers are still the batch's: 130.
    (30 roles: the batch is still rendering when the last signals land, 2 s in.)"""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "exporter", "batch", str(_with_copies(roles, copies=9))]
    argv = [*command, "--out", str(out), "-j", "2", "--quiet"]
    stops = ((signal.SIGINT, 0.1), (signal.SIGTERM, 0.1), (signal.SIGTERM, 0.1))
    proc, stderr = signalled_run(argv, ROOT, out, delay, stops)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    _assert_only_whole_files(out)
    check_manifest_matches_files(out)


def test_a_stop_signal_after_the_batch_returned_still_only_counts(roles, tmp_path):
    """The handlers outlive ``run_batch`` once a stop was asked for: a TERM landing
    after it returned (as a late third signal would) does not kill the process."""
    out = tmp_path / "out"
    driver = (
        "import os, signal, sys, time; from pathlib import Path;"
        "from exporter.batch.run import run_batch; from exporter.engine.settings import Settings;"
        "from exporter.model.rolefile import role_files; from tests.faults import Misbehave;"
        f"r = run_batch(role_files({str(_with_copies(roles))!r}), Path({str(out)!r}), Settings(),"
        " jobs=2, render=Misbehave('sleep', '*', 0.5));"
        "os.kill(os.getpid(), signal.SIGTERM); time.sleep(0.5);"
        "sys.exit(130 if r.interrupted else 0)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", driver], cwd=ROOT, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err.decode()
    check_manifest_matches_files(out)


@pytest.mark.parametrize("name", ["manifest.json", "index.html", "reports.zip"])
def test_a_fifo_where_a_record_goes_ends_the_batch_naming_it(tmp_path, name):
    out = tmp_path / "dist"
    out.mkdir()
    os.mkfifo(out / name)
    proc = subprocess.run(
        _batch(out, "--zip", "--quiet"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # a hang in open() fails here
    )
    assert proc.returncode != 0
    assert f"{out / name}: not a regular file" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(out.glob("*.pdf")) and not list(out.glob("*.docx"))  # stopped before rendering
    assert (out / name).exists() and not (out / name).is_file()  # left for the operator


def test_a_fifo_at_a_shard_manifest_ends_the_shard(tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    os.mkfifo(out / "manifest.1-of-2.json")
    proc = subprocess.run(
        _batch(out, "--shard", "1/2", "--quiet"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "manifest.1-of-2.json: not a regular file" in proc.stderr, proc.stderr
