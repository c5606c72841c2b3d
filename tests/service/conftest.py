"""Fixtures of the service tests: the CLI's bytes for every fixture role, role copies, a
running `exporter serve`, and the browser (Playwright with Debian's chromium)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = Path("/usr/bin/chromium")


@contextlib.contextmanager
def running_server(base: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[Any]:
    """`exporter serve` with one worker on a copy of the fixture roles in ``base``; it
    must stop cleanly (exit 0) when the block ends."""
    from tests.service.server import Server, serve_command

    roles = copy_roles(base / "roles")
    command = serve_command(roles, base / "cache", "--jobs", "1", *options)
    running = Server(command, env=env).start()
    yield running
    assert running.terminate() == 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A plain `exporter serve`, one worker (modules that need options define their own)."""
    with running_server(tmp_path_factory.mktemp("serve")) as running:
        yield running


def browser_api(axe: bool = False) -> Any:
    """Playwright's sync API (and, with ``axe``, axe-core's ``Axe`` as a second value);
    skips without them or Debian's chromium, except in CI where that fails."""
    try:
        from playwright import sync_api

        if axe:
            from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        sync_api = None  # type: ignore[assignment]
    if sync_api is None or not (CHROMIUM.exists() or shutil.which("chromium")):
        what = (
            "Playwright, axe-playwright-python and Debian's chromium"
            if axe
            else ("Playwright and Debian's chromium")
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} are required in CI (.ci/setup --test)")
        pytest.skip(f"{what} not installed")
    return (sync_api, Axe) if axe else sync_api
