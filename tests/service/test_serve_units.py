"""The pieces of the hot path and the immutable files, each on its own."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import httpx
import pytest

from exporter.service import create_app
from exporter.service.immutable import (
    IMMUTABLE,
    file_name,
    parse_name,
    publish,
    read,
    served_file,
    sweep,
)
from exporter.service.index import _Memory
from tests.conftest import ROLES_DIR

SHA = "ab" * 32


@pytest.mark.parametrize(
    "name",
    [SHA + ".PDF", SHA[:-1] + ".pdf", SHA.upper() + ".pdf", SHA + ".html", "../" + SHA + ".pdf"],
)
def test_only_content_names_parse(name: str) -> None:
    assert parse_name(name) is None


def test_a_content_name_parses() -> None:
    assert parse_name(file_name(SHA, "docx")) == (SHA, "docx")


def test_headers_are_built_once_for_both_urls() -> None:
    served = served_file("a-role", "pdf", SHA, "f" * 64, b"%PDF-1.7 bytes", 0.0)
    stable, immutable = dict(served.stable), dict(served.immutable)
    assert stable[b"cache-control"] == b"no-cache"
    assert stable[b"content-disposition"].startswith(b'attachment; filename="a-role.pdf"')
    assert immutable[b"cache-control"] == IMMUTABLE.encode()
    assert b"content-disposition" not in immutable
    for headers in (stable, immutable):
        assert headers[b"etag"] == f'"{SHA}"'.encode()
        assert headers[b"content-length"] == b"14"
        assert headers[b"content-type"] == b"application/pdf"
        assert b"x-content-type-options" not in headers  # the guard adds it to every answer
    assert b"content-length" not in dict(served.immutable_304)
    assert served.name == f"{SHA}.pdf"


def test_publish_links_and_sweep_removes_only_last_links(tmp_path: Path) -> None:
    entry = tmp_path / ("f" * 64 + ".pdf")
    entry.write_bytes(b"the bytes")
    folder = tmp_path / "files"
    name = file_name(hashlib.sha256(b"the bytes").hexdigest(), "pdf")
    assert not publish(folder, [tmp_path / "missing.pdf", entry], name, size=99)  # wrong size
    assert publish(folder, [tmp_path / "missing.pdf", entry], name, size=9)
    assert (folder / name).stat().st_ino == entry.stat().st_ino  # a link, not a copy
    assert publish(folder, [entry], name, size=9)  # again: left alone
    assert read(folder, name) is not None and read(folder, name)[0] == b"the bytes"  # type: ignore[index]
    assert read(folder, "../" + entry.name) is None
    stray = folder / ".not-a-content-name"
    stray.write_bytes(b"")
    assert sweep(folder) == []  # the cache still holds the file
    entry.unlink()  # evicted
    assert sweep(folder) == [name]
    assert not (folder / name).exists() and stray.exists()
    assert sorted(os.listdir(folder)) == [stray.name]


def test_memory_keeps_the_most_recent_within_its_budget() -> None:
    memory = _Memory(budget=25)
    files = [served_file("r", "pdf", f"{i:064x}", "", bytes(10), 0.0) for i in range(3)]
    for file in files:
        memory.keep(file)
    assert list(memory.files) == [files[1].name, files[2].name] and memory.size == 20
    memory.drop(files[1].name)
    assert list(memory.files) == [files[2].name] and memory.size == 10


def test_conditional_and_range_requests_in_process(tmp_path: Path) -> None:
    """The hot path and the long way agree: weak and listed ETags, ranges, HEAD."""
    app = create_app(ROLES_DIR, cache_dir=tmp_path / "cache", jobs=1)
    role = next(iter(sorted(ROLES_DIR.glob("*.json"))))
    data = b"%PDF-1.7 not really, but bytes all the same"

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            listed = (await client.get("/roles")).json()
            slug = listed[0]["slug"]
            assert role.stem == slug and listed[0]["files"] == {"pdf": None, "docx": None}
            files = app.state.service.files
            served = (await files.view()).roles[slug]
            app.state.service.cache.put(served.source_hash, "pdf", data)  # as a render would
            url = f"/roles/{slug}.pdf"
            first = await client.get(url)
            assert first.status_code == 200 and first.content == data
            etag = first.headers["etag"]
            assert etag == f'"{hashlib.sha256(data).hexdigest()}"'
            for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                got = await client.get(url, headers={"If-None-Match": header})
                assert got.status_code == 304 and got.content == b"", header
            assert (await client.get(url, headers={"If-None-Match": '"x"'})).content == data
            part = await client.get(url, headers={"Range": "bytes=2-5"})
            assert part.status_code == 206 and part.content == data[2:6]
            head = await client.head(url)
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-length"] == str(len(data))
            immutable = f"/files/{hashlib.sha256(data).hexdigest()}.pdf"
            got = await client.get(immutable)
            assert got.content == data and got.headers["cache-control"] == IMMUTABLE

    asyncio.run(scenario())
