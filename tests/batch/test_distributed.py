"""``exporter batch --dask``: the batch on a real Dask cluster (worker processes).

A ``LocalCluster`` of two worker processes, and once a ``dask scheduler`` and two
``dask worker`` processes on 127.0.0.1, against the local pool's outputs; a worker
killed mid-batch; a role that kills its workers; the time limit on Dask's task
threads; an unreachable scheduler.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from exporter.api import Format, RenderOptions, render
from exporter.batch.distributed import _check_workers, code_identity, dask_cluster
from exporter.batch.run import BatchReport, run_batch
from exporter.cli import cli
from exporter.engine.failures import WORKER_DIED
from exporter.engine.jobs import Limits
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.role import Role
from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import check_manifest_matches_files
from tests.batch.test_shards import brand_folder, outputs, without_times
from tests.conftest import ROLE_FILES, ROLES_DIR
from tests.faults import Misbehave

pytestmark = pytest.mark.slow

DOCX = Settings(formats=("docx",))
BIN = Path(sys.executable).parent
SCHEDULER = [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
WORKER = [BIN / "dask", "worker", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]


@dataclass(frozen=True)
class Spin:
    """Busy in Python code forever on one slug (the way a runaway layout would be)."""

    slug: str

    def __call__(self, role: Role, fmt: Format, options: RenderOptions) -> bytes:
        if role.slug == self.slug:
            while True:
                sum(range(1000))
        return render(role, fmt, options)


@pytest.fixture(scope="module")
def local_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture roles exported by the local process pool, both formats."""
    out = tmp_path_factory.mktemp("local") / "dist"
    report = run_batch(ROLE_FILES, out, Settings(), jobs=2)
    assert report.ok
    return out


def assert_same_as(out: Path, reference: Path) -> None:
    assert outputs(out) == outputs(reference)
    assert without_times((out / "manifest.json").read_bytes()) == without_times(
        (reference / "manifest.json").read_bytes()
    )
    assert (out / "index.html").read_bytes() == (reference / "index.html").read_bytes()
    assert brand_folder(out) == brand_folder(reference)


def dask_batch(roles: Path, out: Path, **options: object) -> BatchReport:
    limits = options.pop("limits", Limits())
    assert isinstance(limits, Limits)
    with dask_cluster("local", 2, limits) as cluster:
        return run_batch(
            role_files(roles),
            out,
            options.pop("settings", DOCX),  # type: ignore[arg-type]
            jobs=cluster.workers,
            executor_factory=cluster.factory,
            limits=limits,
            **options,  # type: ignore[arg-type]
        )


def test_dask_local_writes_what_the_local_batch_writes(runner, local_batch, tmp_path):
    """Acceptance: `exporter batch fixtures/roles --out dist --dask local --jobs 2`."""
    out = tmp_path / "dist"
    args = ["batch", str(ROLES_DIR), "--out", str(out), "--dask", "local", "--jobs", "2", "-q"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"3 of 3 roles exported to {out} (3 rendered")
    assert_same_as(out, local_batch)
    again = runner.invoke(cli, args)
    assert again.exit_code == 0
    assert "(0 rendered, 3 up to date)" in again.stdout


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1; yields the address."""
    workdir = tmp_path / "cluster"  # not the source tree: workers use the installed package
    workdir.mkdir()
    address_file = workdir / "scheduler.json"
    common = {"cwd": workdir, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [*SCHEDULER, "--scheduler-file", address_file],
            **common,  # type: ignore[call-overload]
        )
    ]
    try:
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [*WORKER, "--scheduler-file", address_file],
                    **common,  # type: ignore[call-overload]
                )
            )
        deadline = time.monotonic() + 120
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = str(json.loads(address_file.read_text())["address"])
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_separate_scheduler_and_worker_processes(runner, scheduler, local_batch, tmp_path):
    out = tmp_path / "dist"
    args = ["batch", str(ROLES_DIR), "--out", str(out), "-q", "--dask", scheduler]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert_same_as(out, local_batch)


def test_a_worker_killed_mid_batch_and_the_batch_completes(six_roles, tmp_path):
    out = tmp_path / "out"
    killed: list[int] = []
    with dask_cluster("local", 2) as cluster:
        client = cluster.client

        def kill_one_busy_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = [addr for addr, keys in client.processing().items() if keys]
                if busy:
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    time.sleep(0.3)  # inside a role's render (each takes at least a second)
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_one_busy_worker)
        killer.start()
        report = run_batch(
            role_files(six_roles),
            out,
            DOCX,
            jobs=cluster.workers,
            executor_factory=cluster.factory,
            render=Misbehave("sleep", "*", 1.0),
        )
        killer.join()
    assert killed, "no worker was killed"
    assert report.ok, report.failures
    assert report.rendered == 6
    check_manifest_matches_files(out)  # every file whole: sizes and SHA-256 as recorded
    assert sorted(outputs(out)) == sorted(
        f"{load_role(p).slug}.docx" for p in role_files(six_roles)
    )


def test_a_role_that_kills_its_workers_is_reported_and_the_rest_export(six_roles, tmp_path):
    bad = role_files(six_roles)[2]
    slug = load_role(bad).slug
    report = dask_batch(six_roles, tmp_path / "out", render=Misbehave("crash", slug))
    assert [(f.source, f.slug) for f in report.failures] == [(bad.name, slug)]
    assert report.failures[0].error == f"{bad.name}: {WORKER_DIED}"
    assert report.rendered == 5
    check_manifest_matches_files(tmp_path / "out")


def test_the_time_limit_applies_on_dask_task_threads(six_roles, tmp_path):
    slow = role_files(six_roles)[1]
    limits = Limits(seconds=2.0, grace=30.0)
    report = dask_batch(
        six_roles, tmp_path / "out", render=Spin(load_role(slow).slug), limits=limits
    )
    assert [(f.source, f.error) for f in report.failures] == [
        (slow.name, f"{slow.name}: exceeded the time limit of 2 s")
    ]
    assert report.rendered == 5


def test_an_unreachable_scheduler_is_one_error_before_any_work(runner, roles, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{port}"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--dask", address])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot reach the Dask scheduler at {address}: ")
    assert not out.exists()


def test_workers_with_other_code_are_refused():
    ours = code_identity()
    _check_workers("local", {"tcp://127.0.0.1:1": ours, "tcp://127.0.0.1:2": ours})
    with pytest.raises(ExporterError, match=r"another exporter .* \(tcp://127.0.0.1:2\)"):
        _check_workers("local", {"tcp://127.0.0.1:1": ours, "tcp://127.0.0.1:2": "0" * 64})
