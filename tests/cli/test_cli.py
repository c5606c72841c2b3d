"""The ``exporter`` command, driven through Click's runner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from exporter import __version__
from exporter.cli import cli
from tests.conftest import ROLE_FILES, ROLES_DIR
from tests.readback import docx_headings, pdf_text


def _broken_role(tmp_path, name="broken.json"):
    data = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))
    del data["salary"]["projected"]
    data["data_points"] = "many"
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"exporter, version {__version__}"


@pytest.mark.parametrize("command", ["render", "batch", "validate", "list", "import"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_batch_writes_a_pdf_and_docx_per_role(runner, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["batch", str(ROLES_DIR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 of 3 roles exported" in result.output
    names = sorted(p.name for p in out.iterdir())
    expected = [f"{p.stem}.{ext}" for p in ROLE_FILES for ext in ("pdf", "docx")]
    assert names == sorted([*expected, "brand", "index.html", "manifest.json"])
    assert "Machine Learning Lead" in pdf_text(
        (out / "machine-learning-lead-canada.pdf").read_bytes()
    )


def test_batch_goes_on_past_a_bad_role(runner, tmp_path):
    roles = tmp_path / "roles"
    roles.mkdir()
    (roles / "good.json").write_bytes(ROLE_FILES[0].read_bytes())
    _broken_role(roles, "aaa-broken.json")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
    assert result.exit_code == 1
    assert "1 of 2 roles exported" in result.output
    assert "aaa-broken.json: 2 problems" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["brand", f"{ROLE_FILES[0].stem}.docx", "index.html", "manifest.json"]
    )


def test_render_by_slug_and_by_file(runner, tmp_path):
    result = runner.invoke(
        cli,
        [
            "render",
            "machine-learning-lead-canada",
            str(ROLE_FILES[0]),
            "--format",
            "docx",
            "--out",
            str(tmp_path),
            "--roles-dir",
            str(ROLES_DIR),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["machine-learning-lead-canada.docx", f"{ROLE_FILES[0].stem}.docx"]
    )
    headings = docx_headings((tmp_path / "machine-learning-lead-canada.docx").read_bytes())
    assert headings[0] == "Market Overview"


def test_render_unknown_role_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(cli, ["render", "no-such-role", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: no-such-role: no such role file" in result.output
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_every_problem_with_file_and_field(runner, tmp_path):
    path = _broken_role(tmp_path)
    result = runner.invoke(cli, ["validate", str(path), str(ROLE_FILES[0])])
    assert result.exit_code == 1
    assert f"error: {path}: 2 problems" in result.output
    assert "salary.projected: required field is missing" in result.output
    assert "data_points: Input should be a valid integer" in result.output
    assert f"ok: {ROLE_FILES[0]}" in result.output
    assert "Traceback" not in result.output


def test_validate_folder_of_good_roles(runner):
    result = runner.invoke(cli, ["validate", str(ROLES_DIR)])
    assert result.exit_code == 0
    assert "3 role files are valid" in result.output


def test_list_shows_key_figures(runner):
    result = runner.invoke(cli, ["list", str(ROLES_DIR)])
    assert result.exit_code == 0
    line = next(r for r in result.output.splitlines() if r.startswith("lead-backend"))
    assert line.split()[-4:] == ["$141,344", "$152,651", "+8.0%", "2,454"]
    assert "2 (small sample)" in result.output


def test_missing_roles_folder(runner, tmp_path):
    result = runner.invoke(cli, ["batch", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such folder of role files" in result.output


def test_bad_brand_file_is_reported_before_rendering(runner, tmp_path):
    brand = tmp_path / "brand.toml"
    brand.write_text('[colours]\nprimary = "red; background: url(x)"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(ROLES_DIR), "--out", str(out), "--brand", str(brand)])
    assert result.exit_code == 1
    assert f"error: {brand}: colours.primary" in result.output
    assert not out.exists()


def test_python_dash_m_runs_as_a_process(tmp_path):
    path = _broken_role(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "salary.projected: required field is missing" in proc.stderr
    assert "Traceback" not in proc.stderr
