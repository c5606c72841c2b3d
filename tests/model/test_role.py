"""The role schema: what loads, what is rejected, and what is derived."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from exporter.errors import RoleError
from exporter.model.role import slugify
from exporter.model.rolefile import load_role, parse_role
from tests.conftest import ROLE_FILES


def _fixture_data() -> dict:
    return json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))


def test_every_fixture_validates():
    assert len(ROLE_FILES) == 3
    for path in ROLE_FILES:
        role = load_role(path)
        assert path.stem == role.slug


def test_derived_values_are_computed():
    role = load_role(Path(ROLE_FILES[0]).parent / "lead-backend-specialist-canada.json")
    assert role.change == Decimal(152651 - 141344)
    assert round(role.change_ratio, 4) == Decimal("0.0800")
    assert role.small_sample is False
    assert role.updated_date.isoformat() == "2026-04-01"
    small = load_role(Path(ROLE_FILES[0]).parent / "machine-learning-lead-canada.json")
    assert small.small_sample is True


def test_derived_values_are_not_accepted_as_input():
    data = _fixture_data() | {"small_sample": True}
    with pytest.raises(RoleError) as caught:
        parse_role(data, "x.json")
    assert "small_sample: unknown field" in str(caught.value)


def test_missing_field_and_wrong_type_are_reported_together(tmp_path):
    data = _fixture_data()
    del data["country"]
    data["salary"]["current_average"] = "lots"
    data["data_points"] = 12.5
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RoleError) as caught:
        load_role(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 3 problems")
    assert "country: required field is missing" in message
    assert "salary.current_average: must be a number (got 'lots')" in message
    assert "data_points: Input should be a valid integer" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (("salary", "projected"), float("nan"), "salary.projected"),
        (
            ("salary", "projected"),
            -5,
            "salary.projected: Input should be greater than or equal to 1",
        ),
        (("salary", "current_average"), True, "salary.current_average: must be a number"),
        (("salary", "currency"), "dollars", "salary.currency: unknown currency 'dollars'"),
        (("updated",), "April 2026", "updated: String should match pattern"),
        (("country",), "Atlantis", "country: unknown country 'Atlantis'"),
        (("data_points",), 0, "data_points: Input should be greater than or equal to 1"),
    ],
    ids=["nan", "negative", "bool", "currency", "month", "country", "zero-points"],
)
def test_bad_values_name_the_field(field, value, expected):
    data = _fixture_data()
    target = data
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    with pytest.raises(RoleError) as caught:
        parse_role(data, "role.json")
    assert str(caught.value).startswith("role.json: ")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"role": "x",\n  "country": }', "invalid JSON at line 2, column 14"),
        (b"\xff\xfe{}", "file is UTF-16 text; save it as UTF-8"),
    ],
    ids=["empty", "array", "truncated", "utf16"],
)
def test_unreadable_files_are_clear_errors(tmp_path, content, expected):
    path = tmp_path / "role.json"
    path.write_bytes(content)
    with pytest.raises(RoleError) as caught:
        load_role(path)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + ROLE_FILES[0].read_bytes())
    assert load_role(path).role


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Lead Backend Specialist Canada", "lead-backend-specialist-canada"),
        ("../../etc/passwd", "etc-passwd"),
        ("Données & IA — Côte d’Ivoire", "donnees-ia-cote-divoire"),
        ("???", "role"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug
