"""Fixtures the batch tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.model.rolefile import load_role
from tests.batch.test_batch import edit_role
from tests.conftest import ROLE_FILES


@pytest.fixture
def six_roles(roles: Path) -> Path:
    """Six roles: the fixtures and a renamed copy of each."""
    for path in ROLE_FILES:
        copy = roles / f"{path.stem}-copy.json"
        copy.write_bytes(path.read_bytes())
        edit_role(copy, role=load_role(path).role + " Copy")
    return roles
