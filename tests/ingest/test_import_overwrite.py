"""``exporter import`` never replaces a role file it did not write, unless told to."""

from __future__ import annotations

from pathlib import Path

from exporter.cli import cli
from tests.ingest.pagegen import seed_like_path

SEEDS = [seed_like_path("lead-backend-specialist-canada")]


def _import(runner, out: Path, *extra: str):
    return runner.invoke(cli, ["import", str(SEEDS[0]), "--out", str(out), *extra])


def test_a_hand_edited_role_file_is_not_overwritten_without_force(runner, tmp_path):
    out = tmp_path / "roles"
    first = _import(runner, out)
    assert first.exit_code == 0, first.output
    (written,) = out.glob("*.json")
    original = written.read_bytes()
    assert _import(runner, out).exit_code == 0  # its own, unchanged file: fine
    edited = original.replace(b'"data_points"', b'"data_points"', 1) + b" "
    written.write_bytes(edited)
    refused = _import(runner, out)
    assert refused.exit_code == 1
    assert f"error: {written}: exists and was not written by import" in refused.stderr
    assert "use --force" in refused.stderr
    assert written.read_bytes() == edited
    forced = _import(runner, out, "--force")
    assert forced.exit_code == 0, forced.output
    assert written.read_bytes() == original
    assert _import(runner, out).exit_code == 0  # after --force it is import's own again


def test_a_role_file_from_elsewhere_is_not_overwritten(runner, tmp_path):
    out = tmp_path / "roles"
    _import(runner, tmp_path / "probe")
    (name,) = [p.name for p in (tmp_path / "probe").glob("*.json")]
    out.mkdir()
    (out / name).write_text('{"hand": "made"}', encoding="utf-8")
    refused = _import(runner, out)
    assert refused.exit_code == 1
    assert "not written by import" in refused.stderr
    assert (out / name).read_text(encoding="utf-8") == '{"hand": "made"}'
