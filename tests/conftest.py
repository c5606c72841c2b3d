"""Shared fixtures: the fixture roles, rendered once per test session."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter import api, load_role
from exporter.model.role import Role
from exporter.model.rolefile import role_files
from exporter.report.outline import Report

ROOT = Path(__file__).resolve().parent.parent
ROLES_DIR = ROOT / "fixtures" / "roles"
ROLE_FILES = role_files(ROLES_DIR)
SEEDS_DIR = ROOT.parent / "shared" / "seeds"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def weasyprint_log() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's warnings and errors during a test: a render that logs has failed."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@pytest.fixture(params=ROLE_FILES, ids=[p.stem for p in ROLE_FILES], scope="session")
def role(request: pytest.FixtureRequest) -> Role:
    return load_role(request.param)


@pytest.fixture(scope="session")
def rendered() -> dict[str, tuple[bytes, bytes]]:
    """PDF and DOCX bytes of every fixture role, keyed by slug; fails on any WeasyPrint log."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        outputs = {}
        for path in ROLE_FILES:
            role = load_role(path)
            outputs[role.slug] = (api.render_pdf(role), api.render_docx(role))
    finally:
        logger.removeHandler(handler)
    messages = [f"{r.levelname}: {r.getMessage()}" for r in handler.records]
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
