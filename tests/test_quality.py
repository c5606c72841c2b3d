"""The code passes its own linters: ruff (lint and format), mypy in strict mode, and the
import contracts of the package (import-linter, configured in pyproject.toml), each a gate
that is proven able to fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "exporter", "tests", "bench", "docs"],
        ["ruff", "format", "--check", "exporter", "tests", "bench", "docs"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_linters_pass(command):
    result = _run([sys.executable, "-m", *command], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package found under ``root`` (its pyproject's contracts)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return _run([str(BIN / "lint-imports"), "--no-cache"], root, env)


def test_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout
    kept = int(result.stdout.split("Contracts: ")[1].split(" kept")[0])
    assert kept >= 1, result.stdout


def test_import_contract_gate_fails_on_a_planted_upward_import(tmp_path):
    """The gate can fail: a copy of the package with the model importing the CLI breaks it."""
    shutil.copytree(
        ROOT / "exporter", tmp_path / "exporter", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    names = tmp_path / "exporter" / "model" / "names.py"
    names.write_text(names.read_text() + "\nimport exporter.cli  # planted\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert "exporter.model.names -> exporter.cli" in result.stdout, result.stdout


def _oversized(package: Path) -> list[str]:
    """Modules over 450 lines and functions over 80 in ``package``."""
    import ast

    found = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 450:
            found.append(f"{path.relative_to(package.parent)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    found.append(f"{path.relative_to(package.parent)}: {node.name}, {length} lines")
    return found


def test_rooms_stay_small():
    """No module in exporter/ over 450 lines, no function over 80."""
    assert _oversized(ROOT / "exporter") == []


def test_room_size_gate_fails_on_a_planted_long_function(tmp_path):
    package = tmp_path / "exporter"
    package.mkdir()
    body = "\n".join(f"    x{n} = {n}" for n in range(80))
    (package / "long.py").write_text(f"def long():\n{body}\n")
    assert _oversized(package) == ["exporter/long.py: long, 81 lines"]
