"""``exporter batch --overview``: the all-roles overview kept beside the roles' files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from exporter.cli import cli
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import batch, check_manifest_matches_files, edit_role, manifest
from tests.conftest import ROOT
from tests.faults import Misbehave
from tests.readback import docx_text, pdf_text


def overview_text(out: Path) -> str:
    return docx_text((out / "overview.docx").read_bytes())


def test_the_overview_is_listed_linked_and_zipped(roles, tmp_path):
    out = tmp_path / "out"
    report = batch(roles, out, Settings(), overview=True, make_zip=True)
    assert report.ok and not report.errors
    data = check_manifest_matches_files(out)
    assert data["overview"]["roles"] == 3
    assert sorted(data["overview"]["outputs"]) == ["docx", "pdf"]
    text = pdf_text((out / "overview.pdf").read_bytes())
    for path in role_files(roles):
        assert load_role(path).role in text
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'All 3 roles in one document: <a href="overview.pdf">PDF</a>' in page
    with zipfile.ZipFile(out / "reports.zip") as archive:
        assert {"overview.pdf", "overview.docx"} <= set(archive.namelist())


def test_the_overview_is_made_again_only_when_a_role_changes(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, overview=True)
    made = (out / "overview.docx").stat().st_mtime_ns
    again = batch(roles, out, overview=True)
    assert again.rendered == 0 and (out / "overview.docx").stat().st_mtime_ns == made
    first = role_files(roles)[0]
    edit_role(first, role="Chief Overview Officer")
    changed = batch(roles, out, overview=True)
    assert changed.rendered == 1
    assert "Chief Overview Officer" in overview_text(out)
    check_manifest_matches_files(out)


def test_failed_roles_are_left_out_and_a_run_without_it_removes_it(roles, tmp_path):
    out = tmp_path / "out"
    first, second, _ = role_files(roles)
    report = batch(roles, out, overview=True, render=Misbehave("fail", load_role(first).slug))
    assert [f.source for f in report.failures] == [first.name]
    text = overview_text(out)
    assert load_role(first).role not in text and load_role(second).role in text
    assert manifest(out)["overview"]["roles"] == 2
    plain = batch(roles, out)
    assert "overview" not in manifest(out) and plain.rendered == 1
    assert not (out / "overview.docx").exists()
    assert "overview.docx" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_stopped_batch_keeps_the_previous_overview(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, overview=True)
    before = (out / "overview.docx").read_bytes()
    for path in role_files(roles):
        edit_role(path, data_points=777)
    stopped = batch(roles, out, overview=True, fail_fast=True, render=Misbehave("fail", "*"))
    assert stopped.not_attempted >= 1
    assert manifest(out)["summary"]["complete"] is False
    assert (out / "overview.docx").read_bytes() == before
    check_manifest_matches_files(out)


def test_an_overview_that_cannot_be_made_is_an_error_and_costs_the_roles_nothing(
    roles, tmp_path, monkeypatch
):
    def broken(*_: Any) -> bytes:
        raise RuntimeError("the overview writer broke")

    monkeypatch.setattr("exporter.batch.overview.render_overview", broken)
    out = tmp_path / "out"
    report = batch(roles, out, overview=True)
    assert report.rendered == 3 and not report.failures
    assert report.errors == [
        f"{out / 'overview.docx'}: cannot make the overview: the overview writer broke"
    ]
    assert not report.ok
    assert "overview" not in manifest(out)
    check_manifest_matches_files(out)


def test_a_shard_cannot_write_the_overview(runner, roles, tmp_path):
    with pytest.raises(ExporterError, match="a shard cannot write the overview"):
        batch(roles, tmp_path / "out", overview=True, manifest_name="manifest.1-of-2.json")
    result = runner.invoke(
        cli, ["batch", str(roles), "--out", str(tmp_path / "out"), "--shard", "1/2", "--overview"]
    )
    assert result.exit_code == 2
    assert "run `exporter overview` after `exporter merge`" in result.stderr


def test_cli_batch_overview(runner, roles, tmp_path):
    out = tmp_path / "out"
    args = ["batch", str(roles), "--out", str(out), "--format", "docx", "--overview", "-j", "1"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert manifest(out)["overview"]["outputs"]["docx"]["file"] == "overview.docx"
    assert result.stdout.rstrip().endswith("s; overview.docx: all 3 roles")
    result = runner.invoke(cli, [*args, "--json"])
    assert json.loads(result.stdout)["overview"] == [str(out / "overview.docx")]


@pytest.mark.slow
def test_ctrl_c_stops_the_overview_at_once_and_keeps_the_last_one(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, overview=True)
    before = (out / "overview.docx").read_bytes()
    edit_role(role_files(roles)[0], data_points=999)
    driver = (
        "import sys, time; from pathlib import Path;"
        "import exporter.batch.overview as o;"
        "o.render_overview = lambda *a: (Path(sys.argv[2]).touch(), time.sleep(120));"
        "from exporter.batch.run import run_batch; from exporter.engine.settings import Settings;"
        "from exporter.model.rolefile import role_files;"
        "r = run_batch(role_files(sys.argv[1]), Path(sys.argv[3]),"
        " Settings(formats=('docx',)), jobs=1, overview=True);"
        "sys.exit(130 if r.interrupted else 0)"
    )
    started = tmp_path / "overview-started"
    proc = subprocess.Popen(
        [sys.executable, "-c", driver, str(roles), str(started), str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the overview never started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)  # not the 120 s the render would take
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err
    assert (out / "overview.docx").read_bytes() == before
    data = check_manifest_matches_files(out)
    assert data["summary"]["complete"] is True and data["overview"]["roles"] == 3


def test_checkpoints_keep_listing_the_previous_overview(roles, tmp_path, monkeypatch):
    """A batch killed mid-run leaves a manifest that still lists the overview on disk."""
    monkeypatch.setattr("exporter.batch.run.CHECKPOINT_INTERVAL", 0)
    out = tmp_path / "out"
    batch(roles, out, overview=True)
    listed: list[bool] = []

    def peeking(role: Any, fmt: Any, options: Any) -> bytes:
        data = manifest(out)
        if not data["summary"]["complete"]:  # a checkpoint of this run
            listed.append("overview" in data)
        return b"tiny " + role.slug.encode()

    batch(roles, out, overview=True, force=True, render=peeking)
    assert listed and all(listed)
