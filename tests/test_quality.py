"""The code passes its own linters: ruff (lint and format), mypy in strict mode, and the
layers contract of the package (import-linter, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "exporter", "tests", "bench", "docs"],
        ["ruff", "format", "--check", "exporter", "tests", "bench", "docs"],
        ["mypy"],
        ["importlinter.cli"],
    ],
    ids=["ruff-check", "ruff-format", "mypy", "import-layers"],
)
def test_linters_pass(command):
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
