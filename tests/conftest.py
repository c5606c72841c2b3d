"""Shared fixtures: the fixture roles, rendered once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter import api, load_role
from exporter.model.role import Role
from exporter.model.rolefile import role_files
from exporter.render.pdf.writer import weasyprint_messages
from exporter.report.outline import Report

ROOT = Path(__file__).resolve().parent.parent
ROLES_DIR = ROOT / "fixtures" / "roles"
ROLE_FILES = role_files(ROLES_DIR)
SEEDS_DIR = ROOT.parent / "shared" / "seeds"


@pytest.fixture
def runner() -> CliRunner:
    """Runs the ``exporter`` command in this process (stdout and stderr kept apart)."""
    return CliRunner()


@pytest.fixture
def weasyprint_log() -> Iterator[list[str]]:
    """WeasyPrint's warnings and errors during a test: a render that logs has failed."""
    with weasyprint_messages() as messages:
        yield messages


@pytest.fixture
def roles(tmp_path: Path) -> Path:
    """A folder of its own holding a copy of every fixture role file."""
    folder = tmp_path / "roles"
    folder.mkdir()
    for path in ROLE_FILES:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(params=ROLE_FILES, ids=[p.stem for p in ROLE_FILES], scope="session")
def role(request: pytest.FixtureRequest) -> Role:
    return load_role(request.param)


@pytest.fixture(scope="session")
def rendered() -> dict[str, tuple[bytes, bytes]]:
    """PDF and DOCX bytes of every fixture role, keyed by slug; fails on any WeasyPrint log."""
    with weasyprint_messages() as messages:
        outputs = {}
        for path in ROLE_FILES:
            role = load_role(path)
            outputs[role.slug] = (api.render_pdf(role), api.render_docx(role))
    assert not messages, f"WeasyPrint logged during render: {messages}"
    return outputs


@pytest.fixture
def pdf(role: Role, rendered: dict[str, tuple[bytes, bytes]]) -> bytes:
    return rendered[role.slug][0]


@pytest.fixture
def docx_bytes(role: Role, rendered: dict[str, tuple[bytes, bytes]]) -> bytes:
    return rendered[role.slug][1]


@pytest.fixture
def report(role: Role) -> Report:
    return api.report_for(role)
