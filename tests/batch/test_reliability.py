"""Nothing lost, nothing hung: signals, failed re-renders, odd names, hostile folders, slugs.

Each test reads the outcome back from the output folder (files, their SHA-256,
``manifest.json``, ``index.html``) or from the command's exit code and messages.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exporter.batch.run import run_batch
from exporter.cli import cli
from exporter.engine.jobs import Limits
from exporter.engine.settings import Settings
from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import batch, check_manifest_matches_files, edit_role, manifest
from tests.batch.test_batch_workers import _assert_only_whole_files
from tests.conftest import ROOT
from tests.faults import Misbehave
from tests.processes import processes, signalled_run


def hashes(out: Path) -> dict[str, str]:
    """SHA-256 of every report in the folder."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.iterdir()
        if p.suffix in (".pdf", ".docx")
    }


def entry(out: Path, source: str) -> dict[str, object]:
    return next(r for r in manifest(out)["roles"] if r["source"] == source)


# Odd file names and hostile folders


def _odd_name(folder: Path, name: bytes, data: bytes) -> None:
    """Create a file whose name is raw bytes (not necessarily UTF-8)."""
    fd = os.open(os.fsencode(folder) + b"/" + name, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_a_file_name_that_is_not_utf8_is_one_clear_error_and_the_rest_exports(
    roles, tmp_path, runner
):
    _odd_name(roles, b"r\xe9le.json", b"")  # empty, as in the report
    _odd_name(roles, b"good-\xff.json", role_files(roles)[0].read_bytes())  # a good role
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert "r\\xe9le.json: file name is not valid UTF-8; rename the file" in result.stderr
    assert "good-\\xff.json: file name is not valid UTF-8" in result.stderr
    assert "3 of 5 roles exported" in result.stdout
    data = check_manifest_matches_files(out)
    assert sorted(f["source"] for f in data["failed"]) == ["good-\\xff.json", "r\\xe9le.json"]
    assert "No reports." not in (out / "index.html").read_text(encoding="utf-8")
    again = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
    assert "0 rendered, 3 up to date, 2 failed" in again.stdout  # no re-render of the rest


@pytest.mark.parametrize("kind", ["fifo", "folder", "dangling-link"])
def test_special_files_in_the_roles_folder_are_named_and_a_published_role_keeps_its_files(
    roles, tmp_path, kind
):
    out = tmp_path / "out"
    batch(roles, out)
    before = hashes(out)
    victim = role_files(roles)[0]
    victim.unlink()  # the published role's file becomes something else
    if kind == "fifo":
        os.mkfifo(victim)
    elif kind == "folder":
        victim.mkdir()
    else:
        victim.symlink_to(tmp_path / "nowhere.json")
    report = batch(roles, out)
    assert [f.source for f in report.failures] == [victim.name]
    assert report.failures[0].error.startswith(f"{victim.name}: ")
    assert "skipped" in report.failures[0].error or "regular file" in report.failures[0].error
    assert hashes(out) == before  # nothing deleted, nothing rewritten
    assert entry(out, victim.name)["stale"] == report.failures[0].error
    check_manifest_matches_files(out)


def test_out_equal_to_the_roles_folder_is_refused(roles, runner):
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(roles)])
    assert result.exit_code == 1
    assert "the output folder is the folder of role files" in result.stderr
    assert not (roles / "manifest.json").exists()


def test_render_honours_the_lock_a_batch_holds(roles, tmp_path, runner):
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = runner.invoke(
            cli, ["render", str(role_files(roles)[0]), "--out", str(out), "--format", "docx"]
        )
    finally:
        os.close(fd)
    assert result.exit_code == 1
    assert f"error: {out}: another export is writing to this folder" in result.stderr
    assert not list(out.iterdir())


def test_the_hosted_manifest_names_role_files_relatively(roles, tmp_path):
    (roles / "broken.json").write_bytes(b'{"role": ')
    out = tmp_path / "out"
    batch(roles, out)
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    assert manifest(out)["failed"][0]["error"].startswith("broken.json: invalid JSON")


# Keep the last good


def test_a_failed_rerender_keeps_the_last_good_files_marked_stale(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    before = hashes(out)
    first, second, third = role_files(roles)
    edit_role(first, data_points=4321)  # changed, so rendered again, and the render fails
    second.write_bytes(second.read_bytes()[:40])  # half-saved by an editor
    report = batch(roles, out, render=Misbehave("fail", load_role(first).slug))
    assert sorted(f.source for f in report.failures) == [first.name, second.name]
    assert hashes(out) == before
    for path in (first, second):
        stale = entry(out, path.name)["stale"]
        assert isinstance(stale, str) and stale.startswith(f"{path.name}: ")
    assert "stale" not in entry(out, third.name)
    assert manifest(out)["summary"] == {"roles": 3, "stale": 2, "failed": 2, "complete": True}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "3 reports (2 stale)" in index and index.count("the latest render failed") == 2
    check_manifest_matches_files(out)

    fixed = batch(roles, out)  # first renders now; second is still half-saved
    assert fixed.rendered == 1 and "stale" not in entry(out, first.name)
    gone = f"{load_role(third).slug}.docx"
    third.unlink()  # only a role removed from the folder loses its files
    batch(roles, out)
    assert sorted(hashes(out)) == sorted(name for name in before if name != gone)
    assert entry(out, second.name)["stale"]


@pytest.mark.slow
def test_a_rerender_past_the_time_limit_keeps_every_previous_file(roles, tmp_path):
    out = tmp_path / "out"
    settings = Settings()
    run_batch(role_files(roles), out, settings, jobs=2)
    before = hashes(out)
    report = run_batch(
        role_files(roles),
        out,
        settings,
        jobs=2,
        force=True,
        limits=Limits(seconds=1, grace=2),
        render=Misbehave("sleep", "*", 30),
    )
    assert len(report.failures) == 3
    assert all("exceeded the time limit of 1 s" in f.error for f in report.failures)
    assert hashes(out) == before
    assert manifest(out)["summary"] == {"roles": 3, "stale": 3, "failed": 3, "complete": True}
    check_manifest_matches_files(out)


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
    )
    if done.returncode != 0 and os.environ.get("CI"):
        pytest.fail(f"cannot mount a tmpfs in CI: {done.stderr!r}")
    return done.returncode == 0


def test_a_full_disk_keeps_the_previous_files_and_manifest_and_still_prints_the_summary(
    roles, tmp_path, runner
):
    out = tmp_path / "out"
    if not _mount_tmpfs(out, "4m"):
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        first = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
        assert first.exit_code == 0, first.output
        before, manifest_before = hashes(out), (out / "manifest.json").read_bytes()
        with (out / ".filler").open("wb", buffering=0) as filler:  # unbuffered: close cannot fail
            try:
                while True:
                    filler.write(b"\0" * 65536)
            except OSError:
                pass
        for path in role_files(roles):
            edit_role(path, data_points=9999)
        full = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
        assert full.exit_code == 1
        assert "Traceback" not in full.output and "internal error" not in full.output
        assert "0 of 3 roles exported" in full.stdout  # the summary, despite the errors
        assert "cannot write" in full.stderr and "No space left on device" in full.stderr
        assert f"{out / 'manifest.json'}: cannot write: No space left on device" in full.stderr
        assert hashes(out) == before
        assert (out / "manifest.json").read_bytes() == manifest_before
        assert not list(out.glob(".*.part"))
        (out / ".filler").unlink()
        again = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
        assert again.exit_code == 0, again.output
        check_manifest_matches_files(out)
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


# Slugs


@pytest.mark.parametrize("newcomer", ["0-first.json", "zz-last.json"])
def test_a_new_role_never_takes_over_a_published_slug(roles, tmp_path, newcomer):
    out = tmp_path / "out"
    batch(roles, out)
    holder = role_files(roles)[1]
    before = hashes(out)
    data = json.loads(holder.read_text(encoding="utf-8"))
    data["role"] = "  " + data["role"].upper() + "  "  # normalises to the same slug
    data["data_points"] = 7
    (roles / newcomer).write_text(json.dumps(data), encoding="utf-8")
    report = batch(roles, out)
    slug = load_role(holder).slug
    assert [f.source for f in report.failures] == [newcomer]
    assert report.failures[0].error == (
        f"{newcomer}: output name {slug!r} is already used by {holder.name}"
    )
    assert hashes(out) == before
    assert entry(out, holder.name)["slug"] == slug
    assert "stale" not in entry(out, holder.name)


# Signals


def _session_processes(sid: int) -> list[int]:
    return [pid for pid, fields in processes() if int(fields[3]) == sid and fields[0] != "Z"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("delay", "first", "second"),
    [
        (0.0, signal.SIGTERM, signal.SIGTERM),  # workers still starting
        (3.0, signal.SIGINT, signal.SIGINT),  # Ctrl-C twice
        (6.0, signal.SIGTERM, signal.SIGINT),
    ],
    ids=["starting", "ctrl-c-twice", "term-then-int"],
)
def test_any_number_of_stop_signals_end_the_batch_with_whole_files(
    roles, tmp_path, delay, first, second
):
    for index, path in enumerate(role_files(roles) * 2):  # six roles
        copy = roles / f"copy-{index}.json"
        shutil.copy(path, copy)
        edit_role(copy, role=f"{load_role(path).role} Copy {index}")
    out = tmp_path / "out"
    driver = (
        "import sys; from pathlib import Path;"
        "from exporter.batch.run import run_batch; from exporter.engine.settings import Settings;"
        "from exporter.model.rolefile import role_files; from tests.faults import Misbehave;"
        f"r = run_batch(role_files({str(roles)!r}), Path({str(out)!r}), Settings(),"
        " jobs=2, render=Misbehave('sleep', '*', 0.5));"
        "sys.exit(130 if r.interrupted else 0)"
    )
    pauses = ((first, 0.3), (second, 0.0), (second, 0.0))  # and a third, for good measure
    proc, stderr = signalled_run([sys.executable, "-c", driver], ROOT, out, delay, pauses)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 30
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == []
    _assert_only_whole_files(out)
    check_manifest_matches_files(out)
    assert not list(out.glob(".*.part"))
    assert (out / "index.html").exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "exporter", "batch", str(roles), "--out", str(out), "-j", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "9 of 9 roles exported" in rerun.stdout
    check_manifest_matches_files(out)
    assert manifest(out)["summary"]["complete"] is True
