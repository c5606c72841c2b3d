"""``exporter batch --shard K/N`` and ``exporter merge``: shards of a job array, merged.

The library tests run the jobs on a thread pool (as ``test_batch.py`` does); the
command-line test at the end runs the real worker processes.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from exporter.batch.run import BatchReport
from exporter.batch.shards import Shard, merge, parse_shard, shard_of
from exporter.cli import cli
from exporter.engine.records import read_manifest
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.rolefile import load_role
from tests.batch.test_batch import DOCX, batch, edit_role
from tests.conftest import ROLE_FILES, ROLES_DIR
from tests.faults import Misbehave


def without_times(manifest_bytes: bytes) -> dict[str, Any]:
    """A manifest with its render times removed: the only field two equal runs may differ in."""
    data: dict[str, Any] = json.loads(manifest_bytes)
    for role in data["roles"]:
        for output in role["outputs"].values():
            del output["render_seconds"]
    return data


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".pdf", ".docx")}


def brand_folder(folder: Path) -> dict[str, bytes]:
    """The files the index loads (``brand/``), by name."""
    return {p.name: p.read_bytes() for p in (folder / "brand").iterdir()}


def shard_batch(roles: Path, out: Path, shard: Shard, **options: Any) -> BatchReport:
    return batch(roles, out, manifest_name=shard.manifest_name, select=shard.holds, **options)


@pytest.fixture
def mixed_roles(roles: Path) -> Path:
    """The fixtures, renamed copies, a file that is no role, and two files with one slug."""
    for path in ROLE_FILES:
        copy = roles / f"{path.stem}-copy.json"
        shutil.copy(path, copy)
        edit_role(copy, role=json.loads(path.read_text(encoding="utf-8"))["role"] + " Copy")
    (roles / "broken.json").write_text("{not json", encoding="utf-8")
    shutil.copy(ROLE_FILES[0], roles / "zz-same-slug.json")
    return roles


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("1/3", {}, Shard(1, 3)),
        ("3/3", {}, Shard(3, 3)),
        (" 2/5 ", {}, Shard(2, 5)),
        ("auto/4", {"JOB_COMPLETION_INDEX": "0"}, Shard(1, 4)),
        ("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "3"}, Shard(4, 4)),
        ("auto/4", {"SLURM_ARRAY_TASK_ID": "2"}, Shard(2, 4)),
        ("auto/4", {"JOB_COMPLETION_INDEX": "1", "SLURM_ARRAY_TASK_ID": "4"}, Shard(2, 4)),
    ],
    ids=["first", "last", "spaces", "kubernetes", "aws-batch", "slurm", "kubernetes-first"],
)
def test_parse_shard(text, environ, expected):
    assert parse_shard(text, environ) == expected


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("0/3", {}, "shard 0 is not between 1 and 3"),
        ("4/3", {}, "shard 4 is not between 1 and 3"),
        ("1/0", {}, "N must be at least 1"),
        ("1-3", {}, "expected K/N"),
        ("auto/3", {}, "none of JOB_COMPLETION_INDEX"),
        ("auto/3", {"JOB_COMPLETION_INDEX": "3"}, "shard 4 is not between 1 and 3"),
        ("auto/3", {"SLURM_ARRAY_TASK_ID": "0"}, "shard 0 is not between 1 and 3"),
        ("auto/3", {"JOB_COMPLETION_INDEX": "x"}, "JOB_COMPLETION_INDEX='x' is not a whole"),
    ],
    ids=["zero", "past-n", "no-shards", "syntax", "no-index", "index-past", "slurm-0", "not-int"],
)
def test_parse_shard_refuses(text, environ, message):
    with pytest.raises(ExporterError, match="--shard") as caught:
        parse_shard(text, environ)
    assert message in str(caught.value)


def test_every_key_falls_in_exactly_one_shard_and_the_split_is_stable():
    keys = [f"role-{i}" for i in range(600)]
    for count in (1, 3, 7):
        owners = [[k for k in range(1, count + 1) if Shard(k, count).holds(key)] for key in keys]
        assert all(len(owner) == 1 for owner in owners)
        sizes = [sum(owner == [k] for owner in owners) for k in range(1, count + 1)]
        assert min(sizes) > 600 / count * 0.7  # no shard is starved
    assert shard_of("backend-administrator-canada", 3) == shard_of(
        "backend-administrator-canada", 3
    )


def test_shards_run_one_after_another_then_merge_equal_a_single_run(mixed_roles, tmp_path):
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    whole = batch(mixed_roles, single, make_zip=True)
    reports = [shard_batch(mixed_roles, sharded, Shard(k, 3)) for k in (1, 2, 3)]
    assert sum(r.total for r in reports) == whole.total == 8
    assert sum(r.rendered for r in reports) == whole.rendered == 6
    assert sorted(f.source for r in reports for f in r.failures) == [
        "broken.json",
        "zz-same-slug.json",
    ]
    assert not (sharded / "manifest.json").exists()
    assert not (sharded / "index.html").exists()
    merged = merge(sharded, make_zip=True)
    assert merged.shards == 3
    assert without_times((sharded / "manifest.json").read_bytes()) == without_times(
        (single / "manifest.json").read_bytes()
    )
    assert (sharded / "index.html").read_bytes() == (single / "index.html").read_bytes()
    assert brand_folder(sharded) == brand_folder(single)  # what the index loads
    assert outputs(sharded) == outputs(single)  # file bytes, hence the manifests' hashes
    assert merged.zip_path is not None
    with zipfile.ZipFile(merged.zip_path) as ours, zipfile.ZipFile(single / "reports.zip") as one:
        assert sorted(ours.namelist()) == sorted(one.namelist())
        assert without_times(ours.read("manifest.json")) == without_times(one.read("manifest.json"))


def test_a_shard_rerun_renders_nothing_and_a_changed_role_only_in_its_shard(roles, tmp_path):
    out = tmp_path / "out"
    for k in (1, 2):
        shard_batch(roles, out, Shard(k, 2))
    again = [shard_batch(roles, out, Shard(k, 2)) for k in (1, 2)]
    assert [r.rendered for r in again] == [0, 0]
    assert sum(r.up_to_date for r in again) == 3
    changed = ROLE_FILES[1]
    edit_role(roles / changed.name, data_points=77)
    owner = next(k for k in (1, 2) if Shard(k, 2).holds(_slug_of(roles / changed.name)))
    third = [shard_batch(roles, out, Shard(k, 2)) for k in (1, 2)]
    assert [r.rendered for r in third] == [1 if k == owner else 0 for k in (1, 2)]


def _slug_of(path: Path) -> str:
    return load_role(path).slug


def test_shards_may_hold_the_folder_at_the_same_time(roles, tmp_path):
    """Each shard locks only its own manifest: a second shard is not refused."""
    from exporter.engine.export import exclusive

    out = tmp_path / "out"
    out.mkdir()
    with exclusive(out, Shard(1, 2).manifest_name):
        report = shard_batch(roles, out, Shard(2, 2))
        assert report.ok
        with pytest.raises(ExporterError, match="another export"):
            shard_batch(roles, out, Shard(1, 2))


def _three_shards(roles: Path, out: Path) -> None:
    for k in (1, 2, 3):
        shard_batch(roles, out, Shard(k, 3))


def test_merge_refuses_a_missing_shard(roles, tmp_path):
    out = tmp_path / "out"
    _three_shards(roles, out)
    (out / "manifest.2-of-3.json").unlink()
    with pytest.raises(ExporterError, match=r"shard 2 of 3 is missing \(manifest.2-of-3.json\)"):
        merge(out)
    assert not (out / "manifest.json").exists()


def test_merge_refuses_a_shard_that_did_not_finish_until_it_runs_again(roles, tmp_path):
    out = tmp_path / "out"
    shard = Shard(1, 1)
    # Stopped at its first failure: the other roles were never attempted.
    report = shard_batch(roles, out, shard, fail_fast=True, render=Misbehave("fail", "*"))
    assert report.not_attempted >= 1
    with pytest.raises(ExporterError, match=r"manifest\.1-of-1\.json: shard 1 of 1 did not finish"):
        merge(out)
    assert not (out / "manifest.json").exists()
    shard_batch(roles, out, shard)  # run again: it goes on where it stopped
    assert len(merge(out).manifest.roles) == 3


def test_merge_refuses_shards_made_with_other_settings(roles, tmp_path):
    out = tmp_path / "out"
    _three_shards(roles, out)
    path = out / "manifest.3-of-3.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fingerprint"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ExporterError, match=r"manifest\.3-of-3\.json: made with other settings"):
        merge(out)


def test_merge_refuses_one_slug_in_two_shards(roles, tmp_path):
    out = tmp_path / "out"
    _three_shards(roles, out)
    manifests = {k: out / f"manifest.{k}-of-3.json" for k in (1, 2, 3)}
    data = {k: json.loads(p.read_text(encoding="utf-8")) for k, p in manifests.items()}
    donor = next(k for k in data if data[k]["roles"])
    other = next(k for k in data if k != donor)
    data[other]["roles"].append(data[donor]["roles"][0])
    manifests[other].write_text(json.dumps(data[other]), encoding="utf-8")
    slug = data[donor]["roles"][0]["slug"]
    with pytest.raises(ExporterError, match=f"role '{slug}' is also in manifest"):
        merge(out)


def test_merge_refuses_two_shard_counts_and_an_empty_folder(roles, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExporterError, match="no shard manifests"):
        merge(out)
    _three_shards(roles, out)
    shard_batch(roles, out, Shard(1, 2))
    with pytest.raises(ExporterError, match="shard manifests for 2, 3 shards"):
        merge(out)


def test_a_merge_drops_files_a_previous_merge_listed(roles, tmp_path):
    out = tmp_path / "out"
    _three_shards(roles, out)
    merge(out)
    gone = ROLE_FILES[0]
    (roles / gone.name).unlink()
    _three_shards(roles, out)
    merge(out)
    manifest = read_manifest(out)
    assert manifest is not None
    assert len(manifest.roles) == 2
    assert sorted(outputs(out)) == sorted(manifest.files())


def test_cli_merge_and_shard_errors(runner, roles, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["merge", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {out}: no such folder"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--shard", "auto/2"])
    assert result.exit_code == 1
    assert "none of JOB_COMPLETION_INDEX" in result.stderr
    assert not out.exists()
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--shard", "1/2", "--zip"])
    assert result.exit_code == 2
    assert "pass --zip to `exporter merge`" in result.stderr


@pytest.mark.slow
def test_cli_shards_then_merge_equal_a_single_batch(runner, tmp_path):
    """Acceptance, the way a job array runs it: three shards, by index, then merge --zip."""
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    result = runner.invoke(cli, ["batch", str(ROLES_DIR), "--out", str(single), "-q", "--zip"])
    assert result.exit_code == 0, result.output
    for index in range(3):
        result = runner.invoke(
            cli,
            ["batch", str(ROLES_DIR), "--out", str(sharded), "-q", "--shard", "auto/3"],
            env={"JOB_COMPLETION_INDEX": str(index)},
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["merge", str(sharded), "--zip"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"merged 3 shards into {sharded / 'manifest.json'}: 3 roles")
    assert without_times((sharded / "manifest.json").read_bytes()) == without_times(
        (single / "manifest.json").read_bytes()
    )
    assert outputs(sharded) == outputs(single)
    assert (sharded / "index.html").read_bytes() == (single / "index.html").read_bytes()
    assert brand_folder(sharded) == brand_folder(single)


def test_settings_written_by_a_shard_are_the_single_runs(roles, tmp_path):
    out = tmp_path / "out"
    shard_batch(roles, out, Shard(1, 1))
    shard = read_manifest(out, "manifest.1-of-1.json")
    assert shard is not None
    assert shard.settings == DOCX.describe()
    assert Settings(formats=("docx",)).describe() == shard.settings
