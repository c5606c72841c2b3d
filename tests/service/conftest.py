"""Fixtures of the service tests: the CLI's bytes for every fixture role, role copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from exporter.model.rolefile import role_files
from tests.conftest import ROLES_DIR

try:  # the serve extra and httpx (bash .ci/setup --test installs both)
    import httpx  # noqa: F401
    import starlette  # noqa: F401
except ImportError:  # pragma: no cover - a checkout without the extras
    collect_ignore_glob = ["test_*.py"]


def cli_render(role_file: Path, out: Path) -> dict[str, bytes]:
    """What `exporter render` writes for one role file: bytes by format."""
    result = CliRunner().invoke(cli, ["render", str(role_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {fmt: next(out.glob(f"*.{fmt}")).read_bytes() for fmt in ("pdf", "docx")}


@pytest.fixture(scope="session")
def cli_bytes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """The CLI's PDF and DOCX of every fixture role, by slug."""
    outputs = {}
    for path in role_files(ROLES_DIR):
        out = tmp_path_factory.mktemp("cli")
        files = cli_render(path, out)
        outputs[next(out.glob("*.pdf")).stem] = files
    return outputs


def copy_roles(folder: Path) -> Path:
    """A copy of the fixture roles in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in role_files(ROLES_DIR):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder
