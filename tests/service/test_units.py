"""The service's parts without a server: the disk cache and the HTTP helpers."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from exporter.engine.records import Manifest, OutputRecord, RoleRecord
from exporter.service.cache import DiskCache
from exporter.service.responses import byte_range, content_disposition, etag_matches

H1, H2, H3 = ("1" * 64, "2" * 64, "3" * 64)


def test_cache_round_trip_and_lru_eviction(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=250)
    cache.put(H1, "pdf", b"a" * 100)
    cache.put(H2, "pdf", b"b" * 100)
    found = cache.get(H1, "pdf")  # H1 is now the most recently used
    assert found is not None and found.data == b"a" * 100
    assert found.sha256 == hashlib.sha256(b"a" * 100).hexdigest()
    cache.put(H3, "pdf", b"c" * 100)  # over 250 bytes: the least recently used (H2) goes
    assert cache.get(H2, "pdf") is None
    assert cache.get(H1, "pdf") is not None and cache.get(H3, "pdf") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{H1}.pdf", f"{H3}.pdf"]
    assert cache.size == 200


def test_cache_order_survives_a_restart_and_partials_are_cleared(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=1000)
    cache.put(H1, "docx", b"x" * 400)
    cache.put(H2, "docx", b"y" * 400)
    os.utime(tmp_path / f"{H2}.docx", (1, 1))  # H2 used long ago
    (tmp_path / f".{H3}.docx.abc.part").write_bytes(b"half")  # a killed writer's leftover
    again = DiskCache(tmp_path, max_bytes=1000)
    assert not list(tmp_path.glob("*.part"))
    again.put(H3, "docx", b"z" * 400)
    assert again.get(H2, "docx") is None and again.get(H1, "docx") is not None


def test_cache_refuses_keys_that_are_not_hashes(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.get("../../etc/passwd", "pdf") is None
    with pytest.raises(ValueError):
        cache.put("../x", "pdf", b"")


def test_a_batch_folder_is_a_warm_cache(tmp_path: Path) -> None:
    data = b"%PDF-batch"
    (tmp_path / "role.pdf").write_bytes(data)
    (tmp_path / "other.pdf").write_bytes(b"changed since")
    record = RoleRecord(
        "role",
        "role.json",
        "Role",
        "Canada",
        H1,
        (OutputRecord("pdf", "role.pdf", len(data), hashlib.sha256(data).hexdigest(), 0.1),),
    )
    other = RoleRecord(
        "other",
        "other.json",
        "Other",
        "Canada",
        H2,
        (OutputRecord("pdf", "other.pdf", 3, hashlib.sha256(b"old").hexdigest(), 0.1),),
    )
    (tmp_path / "manifest.json").write_bytes(Manifest({}, "f", (record, other)).dumps())
    cache = DiskCache(tmp_path, max_bytes=1)
    found = cache.get(H1, "pdf")
    assert found is not None and found.data == data
    assert cache.get(H2, "pdf") is None  # its file no longer has the recorded SHA-256
    assert cache.get(H1, "docx") is None
    cache.put(H3, "pdf", b"new" * 10)  # evicting its own entries never touches the batch's
    assert (tmp_path / "role.pdf").exists()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=50-500", (50, 99)),
        ("bytes=100-", False),
        ("bytes=9-3", False),
        ("bytes=-0", False),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_byte_ranges(header: str | None, expected: object) -> None:
    assert byte_range(header, 100) == expected


def test_content_disposition_has_both_names() -> None:
    assert content_disposition("naïve role.pdf") == (
        "attachment; filename=\"na_ve role.pdf\"; filename*=UTF-8''na%C3%AFve%20role.pdf"
    )
    assert content_disposition('a"b.pdf', inline=True).startswith('inline; filename="a_b.pdf"')


def test_etag_matching() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('"x", W/"abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abcd"', '"abc"')
    assert not etag_matches(None, '"abc"')


def test_serve_names_a_missing_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from exporter.cli import cli

    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'nowhere'}: no such folder of role files\n"
    assert "Traceback" not in result.output


def test_without_a_home_folder_the_service_asks_for_a_cache_folder(monkeypatch):
    from exporter.errors import ExporterError
    from exporter.service.app import default_cache_dir

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    with pytest.raises(ExporterError, match="give --cache DIR"):
        default_cache_dir()
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert default_cache_dir() == Path("/somewhere/exporter/serve")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("localhost:8000", "localhost"),
        ("LocalHost.", "localhost"),
        ("[::1]:8000", "::1"),
        ("::1", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("", ""),
    ],
)
def test_host_names_lose_port_brackets_and_case(value: str, name: str) -> None:
    from exporter.service.guard import host_name

    assert host_name(value) == name


def test_default_hosts_follow_the_bound_address() -> None:
    from exporter.service.guard import default_hosts

    assert set(default_hosts("127.0.0.1")) == {"127.0.0.1", "localhost", "::1"}
    assert set(default_hosts("::1")) == {"127.0.0.1", "localhost", "::1"}
    assert set(default_hosts("192.0.2.7")) == {"192.0.2.7", "localhost"}
    assert set(default_hosts("0.0.0.0")) == {"0.0.0.0", "localhost"}


def test_published_problems_never_quote_the_value() -> None:
    from exporter.service.responses import public_message

    assert public_message("must be a number (got 'a lot')") == "must be a number"
    assert public_message("unknown country 'Narnia' (use its English name)") == "invalid value"
    assert public_message("required field is missing") == "required field is missing"
