"""``exporter batch`` as a library: incremental rebuilds, the manifest, index, zip, failures.

Most tests run the jobs on a thread pool (any ``concurrent.futures.Executor`` may
replace the process pool): the incremental logic lives in the calling process and
this keeps the tests fast. Tests of worker processes are in ``test_batch_workers.py``.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import shutil
import weakref
import zipfile
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from exporter.api import render
from exporter.batch.progress import Bar, Lines
from exporter.batch.run import BatchReport, run_batch
from exporter.engine import settings as settings_module
from exporter.engine.records import (
    FailedRecord,
    OutputRecord,
    RoleRecord,
    pdf_page_count,
    read_manifest,
)
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.rolefile import load_role, role_files
from tests.conftest import ROLE_FILES, ROOT
from tests.faults import Misbehave
from tests.readback import docx_text, pdf_reader

DOCX = Settings(formats=("docx",))


def threads(workers: int, initializer: Any, initargs: tuple[Any, ...]) -> Executor:
    return ThreadPoolExecutor(workers, initializer=initializer, initargs=initargs)


def batch(roles: Path, out: Path, settings: Settings = DOCX, **options: Any) -> BatchReport:
    options.setdefault("executor_factory", threads)
    options.setdefault("jobs", 1)  # WeasyPrint shares fonts between threads: one at a time
    return run_batch(role_files(roles), out, settings, **options)


def manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix in (".pdf", ".docx")}


def edit_role(path: Path, **changes: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_second_run_renders_nothing_and_changes_nothing(roles, tmp_path):
    out = tmp_path / "out"
    first = batch(roles, out)
    assert (first.rendered, first.up_to_date, first.ok) == (3, 0, True)
    before, manifest_bytes = stamps(out), (out / "manifest.json").read_bytes()
    second = batch(roles, out)
    assert (second.rendered, second.up_to_date, second.ok) == (0, 3, True)
    assert stamps(out) == before
    assert (out / "manifest.json").read_bytes() == manifest_bytes


def _copy_tree_with_change(source: Path, target: Path, name: str) -> Path:
    shutil.copytree(source, target)
    with (target / name).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    return target


@pytest.mark.parametrize(
    "change", ["data", "template", "style", "brand", "logo", "version", "code"], ids=str
)
def test_each_kind_of_change_renders_again(roles, tmp_path, monkeypatch, change):
    out = tmp_path / "out"
    brand = tmp_path / "brand.toml"
    for name in ("brand.toml", "logo.svg", "logo.png"):  # the brand and the files it names
        shutil.copy(ROOT / "styles" / name, tmp_path / name)
    settings = Settings(formats=("docx",), brand_file=brand)
    batch(roles, out, settings)
    before = stamps(out)
    edited = ROLE_FILES[1].name
    if change == "data":
        edit_role(roles / edited, data_points=999)
    elif change == "template":
        copy = _copy_tree_with_change(ROOT / "templates", tmp_path / "t", "report.html")
        monkeypatch.setattr(settings_module, "TEMPLATES_DIR", copy)
    elif change == "style":
        copy = _copy_tree_with_change(ROOT / "styles", tmp_path / "s", "report.css")
        monkeypatch.setattr(settings_module, "STYLES_DIR", copy)
    elif change == "brand":
        text = brand.read_text(encoding="utf-8")
        brand.write_text(text.replace("#0b3d5c", "#123456"), encoding="utf-8")
    elif change == "logo":  # a file the brand names, not the brand file itself
        with (tmp_path / "logo.png").open("ab") as handle:
            handle.write(b"\0")
    elif change == "version":
        monkeypatch.setattr(settings_module, "__version__", "99.0.0")
    elif change == "code":
        settings_module.package_digest.cache_clear()
        monkeypatch.setattr(settings_module, "package_digest", lambda: "edited source")
    report = batch(roles, out, settings)
    after = stamps(out)
    changed = sorted(name for name in after if after[name] != before[name])
    if change == "data":
        assert report.rendered == 1
        assert changed == [load_role(roles / edited).slug + ".docx"]
        entry = next(r for r in manifest(out)["roles"] if r["source"] == edited)
        assert entry["source_hash"] != ""
    else:
        assert report.rendered == 3
        assert changed == sorted(before)
    assert batch(roles, out, settings).rendered == 0  # and then it is current again


def test_force_renders_everything(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    report = batch(roles, out, force=True)
    assert (report.rendered, report.up_to_date) == (3, 0)


def test_missing_or_damaged_output_is_rendered_again(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    slugs = sorted(load_role(p).slug for p in role_files(roles))
    (out / f"{slugs[0]}.docx").unlink()
    (out / f"{slugs[1]}.docx").write_bytes(b"truncated")
    report = batch(roles, out)
    assert report.rendered == 2
    check_manifest_matches_files(out)


def test_new_format_renders_and_dropped_format_is_removed(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    report = batch(roles, out, Settings(formats=("pdf",)))
    assert report.rendered == 3
    assert sorted(p.suffix for p in out.iterdir() if p.suffix in (".pdf", ".docx")) == [".pdf"] * 3


def check_manifest_matches_files(out: Path) -> dict[str, Any]:
    data = manifest(out)
    listed = set()
    for role in data["roles"]:
        for fmt, output in role["outputs"].items():
            body = (out / output["file"]).read_bytes()
            assert output["file"] == f"{role['slug']}.{fmt}"
            assert output["size"] == len(body)
            assert output["sha256"] == hashlib.sha256(body).hexdigest()
            assert output["render_seconds"] > 0
            if fmt == "pdf":
                assert output["pages"] == len(pdf_reader(body).pages)
            listed.add(output["file"])
    for fmt, output in data.get("overview", {}).get("outputs", {}).items():
        body = (out / output["file"]).read_bytes()
        assert output["file"] == f"overview.{fmt}"
        assert (output["size"], output["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
        listed.add(output["file"])
    on_disk = {p.name for p in out.iterdir() if p.suffix in (".pdf", ".docx")}
    assert on_disk == listed
    return data


def test_manifest_hashes_sizes_and_pages_match_the_files(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, Settings())
    data = check_manifest_matches_files(out)
    assert data["manifest_version"] == 1
    assert data["summary"] == {"roles": 3, "stale": 0, "failed": 0, "complete": True}
    assert [r["slug"] for r in data["roles"]] == sorted(r["slug"] for r in data["roles"])
    assert all(len(r["source_hash"]) == 64 for r in data["roles"])
    assert {r["source"] for r in data["roles"]} == {p.name for p in ROLE_FILES}


def test_manifest_is_deterministic(roles, tmp_path):
    batch(roles, tmp_path / "a", jobs=1)
    batch(roles, tmp_path / "b", jobs=3)
    a, b = manifest(tmp_path / "a"), manifest(tmp_path / "b")
    for data in (a, b):
        for role in data["roles"]:
            for output in role["outputs"].values():
                output.pop("render_seconds")
    assert a == b


def test_a_bad_role_fails_alone_and_is_listed(roles, tmp_path):
    (roles / "aaa-broken.json").write_text('{"role": "x",', encoding="utf-8")
    edit_role(roles / ROLE_FILES[2].name, salary="lots")
    out = tmp_path / "out"
    report = batch(roles, out)
    assert not report.ok
    assert report.rendered == 2
    failed = manifest(out)["failed"]
    assert [f["source"] for f in failed] == ["aaa-broken.json", ROLE_FILES[2].name]
    assert "invalid JSON at line 1" in failed[0]["error"]
    assert "salary" in failed[1]["error"]
    assert len(manifest(out)["roles"]) == 2
    check_manifest_matches_files(out)
    # fixed, it renders; the failure disappears from the manifest
    (roles / "aaa-broken.json").unlink()
    shutil.copy(ROLE_FILES[2], roles / ROLE_FILES[2].name)
    again = batch(roles, out)
    assert (again.rendered, again.up_to_date, again.ok) == (1, 2, True)
    assert manifest(out)["failed"] == []


def test_two_roles_with_one_slug_never_overwrite(roles, tmp_path):
    shutil.copy(ROLE_FILES[0], roles / "zzz-same-role.json")
    out = tmp_path / "out"
    report = batch(roles, out)
    assert report.rendered == 3
    [failure] = manifest(out)["failed"]
    assert failure["source"] == "zzz-same-role.json"
    assert "is already used by" in failure["error"]
    entry = next(r for r in manifest(out)["roles"] if r["slug"] == load_role(ROLE_FILES[0]).slug)
    assert entry["source"] == ROLE_FILES[0].name


def test_removed_role_outputs_are_removed(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    gone = load_role(roles / ROLE_FILES[0].name).slug
    (roles / ROLE_FILES[0].name).unlink()
    (out / "notes.txt").write_text("not ours", encoding="utf-8")
    report = batch(roles, out)
    assert (report.rendered, report.up_to_date) == (0, 2)
    assert not (out / f"{gone}.docx").exists()
    assert (out / "notes.txt").exists()  # never deletes what it did not write
    check_manifest_matches_files(out)


def test_leftover_partial_files_are_cleared(roles, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".x.docx.abc123.part").write_bytes(b"half")
    batch(roles, out)
    assert not list(out.glob("*.part")) and not list(out.glob(".*.part"))


@pytest.mark.parametrize("fail_fast", [False, True], ids=["go-on", "fail-fast"])
def test_fail_fast_stops_at_the_first_failure(roles, tmp_path, fail_fast):
    first = role_files(roles)[0]
    failing = Misbehave("fail", load_role(first).slug)
    report = batch(roles, tmp_path / "out", fail_fast=fail_fast, render=failing)
    assert [f.source for f in report.failures] == [first.name]
    assert not report.ok
    if fail_fast:  # at most the one job already in flight finishes; the rest never start
        assert report.rendered <= 1 and report.not_attempted >= 1
    else:
        assert report.rendered == 2 and report.not_attempted == 0
    # The manifest and the index say whether every role was attempted.
    assert manifest(tmp_path / "out")["summary"]["complete"] is not fail_fast
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert ("did not finish" in page) is fail_fast


def test_manifests_written_while_a_batch_runs_say_it_has_not_finished(roles, tmp_path, monkeypatch):
    monkeypatch.setattr("exporter.batch.run.CHECKPOINT_INTERVAL", 0)
    out = tmp_path / "out"
    seen: list[bool] = []

    def peeking(role: Any, fmt: Any, options: Any) -> bytes:
        if (out / "manifest.json").exists():  # a checkpoint after the first role
            seen.append(manifest(out)["summary"]["complete"])
        return render(role, fmt, options)

    report = batch(roles, out, render=peeking)
    assert report.rendered == 3
    assert seen and not any(seen)  # roles in flight may start before the first checkpoint
    assert manifest(out)["summary"]["complete"] is True


def test_zip_holds_outputs_manifest_and_index(roles, tmp_path):
    out = tmp_path / "out"
    report = batch(roles, out, make_zip=True)
    assert report.zip_path == out / "reports.zip"
    with zipfile.ZipFile(out / "reports.zip") as archive:
        names = sorted(archive.namelist())
        assert archive.read("manifest.json") == (out / "manifest.json").read_bytes()
        for name in names:
            assert archive.read(name) == (out / name).read_bytes()
    expected = [f"{load_role(p).slug}.docx" for p in ROLE_FILES]
    brand = [f"brand/{p.name}" for p in (out / "brand").iterdir()]
    assert {"brand/listing.css", "brand/listing.js", "brand/logo.svg"} <= set(brand)
    assert names == sorted([*expected, *brand, "index.html", "manifest.json"])


def test_a_folder_being_written_is_locked(roles, tmp_path):
    import fcntl
    import os

    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(ExporterError, match="another export is writing"):
            batch(roles, out)
    finally:
        os.close(fd)


def test_page_count_of_a_pdf(rendered):
    for pdf, _ in rendered.values():
        assert pdf_page_count(pdf) == len(pdf_reader(pdf).pages)
    assert pdf_page_count(b"not a pdf") is None


def test_unreadable_manifest_means_a_full_build(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    (out / "manifest.json").write_text("{not json", encoding="utf-8")
    assert read_manifest(out) is None
    assert batch(roles, out).rendered == 3


def _result(source: str, error: str | None = None) -> RoleRecord | FailedRecord:
    slug = source.removesuffix(".json")
    if error is not None:
        return FailedRecord(source, error, slug)
    pdf = OutputRecord("pdf", f"{slug}.pdf", 100, "0" * 64, 0.5, pages=3)
    return RoleRecord(slug, source, "Role", "Canada", "", (pdf,))


def test_plain_progress_lines():
    stream = io.StringIO()
    lines = Lines(stream)
    lines.start(5, 2)
    lines.done(_result("a.json"))
    lines.done(_result("b.json", "exceeded the time limit of 1 s"))
    lines.finish()
    text = stream.getvalue().splitlines()
    assert text[0] == "2 of 5 roles to render (3 up to date)"
    assert text[1] == "[1/2] a.pdf (3 pages) in 0.50 s"
    assert text[2] == "[2/2] FAILED b.json: exceeded the time limit of 1 s"


def test_terminal_progress_bar_shows_counts_failures_and_time_left():
    stream = io.StringIO()
    bar = Bar(stream)
    bar.start(4, 4)
    bar.done(_result("a.json"))
    bar.done(_result("b.json", "boom"))
    bar.finish()
    text = stream.getvalue()
    assert "FAILED b.json: boom" in text
    assert "2/4, 1 failed" in text
    assert "left" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_display_follows_the_stream():
    from exporter.batch.progress import Silent, for_stream

    assert isinstance(for_stream(_Terminal()), Bar)
    assert isinstance(for_stream(io.StringIO()), Lines)
    assert isinstance(for_stream(_Terminal(), quiet=True), Silent)


def _more_roles(roles: Path, count: int) -> list[Path]:
    """``count`` role files in ``roles`` (copies of the fixtures under other names)."""
    for index in range(count - len(ROLE_FILES)):
        source = ROLE_FILES[index % len(ROLE_FILES)]
        copy = roles / f"zz-copy-{index:02}.json"
        shutil.copy(source, copy)
        edit_role(copy, role=f"{load_role(source).role} Copy {index}")
    return role_files(roles)


def test_a_batch_holds_decoded_roles_only_for_the_jobs_in_flight(roles, tmp_path):
    """Roles are decoded when their job is submitted, not all at once while planning."""
    _more_roles(roles, 12)
    alive: list[weakref.ref[Any]] = []
    most = 0

    def counting(role: Any, fmt: Any, options: Any) -> bytes:
        nonlocal most
        alive.append(weakref.ref(role))
        gc.collect()
        most = max(most, sum(ref() is not None for ref in alive))
        return b"tiny " + role.slug.encode()

    report = batch(roles, tmp_path / "out", render=counting)  # 1 worker: 2 in flight
    assert report.rendered == 12
    assert most <= 4  # two in flight, one read ahead, and the first (warms new workers)


def test_a_role_file_changed_while_the_batch_runs_fails_and_the_next_run_takes_it(roles, tmp_path):
    paths = _more_roles(roles, 8)
    last = paths[-1]

    def editing(role: Any, fmt: Any, options: Any) -> bytes:
        if not editing.done:  # type: ignore[attr-defined]
            editing.done = True  # type: ignore[attr-defined]
            edit_role(last, data_points=4242)  # after planning, before its job is due
        return render(role, fmt, options)

    editing.done = False  # type: ignore[attr-defined]
    out = tmp_path / "out"
    report = batch(roles, out, render=editing)
    assert [f.error for f in report.failures] == [
        f"{last.name}: changed while the batch ran; run the batch again"
    ]
    assert report.rendered == 7 and not report.not_attempted
    again = batch(roles, out)
    assert (again.rendered, again.up_to_date, again.ok) == (1, 7, True)
    text = docx_text((out / f"{load_role(last).slug}.docx").read_bytes())
    assert "4,242" in text
