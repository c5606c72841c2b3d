"""Immutable, content-addressed URLs (``/files/<sha256>.pdf``), on a real server over HTTP,
and nginx serving them from the cache folder with docs/serving.md's configuration."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from tests.service.conftest import cli_render, copy_roles
from tests.service.server import ROOT, Server, serve_command, until

pytestmark = pytest.mark.slow

IMMUTABLE = "public, max-age=31536000, immutable"
SLUG = "machine-learning-lead-canada"
DOCS = ROOT / "docs" / "serving.md"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """`exporter serve` on the fixture roles, one worker; (server, cache folder)."""
    base = tmp_path_factory.mktemp("immutable")
    roles = copy_roles(base / "roles")
    running = Server(serve_command(roles, base / "cache", "--jobs", "1")).start()
    yield running, base / "cache"
    assert running.terminate() == 0


def immutable_urls(url: str, slug: str) -> dict[str, str]:
    """The role's immutable URLs as ``/roles`` names them, once both are known."""
    listed = {item["slug"]: item for item in httpx.get(url + "/roles").json()}
    files = listed[slug]["files"]
    return files if all(files.values()) else {}


def render_and_name(server: Server, slug: str) -> dict[str, str]:
    """Ask for the role's files by their stable names (a render), then their immutable URLs."""
    with server.client() as client:
        for fmt in ("pdf", "docx"):
            assert client.get(f"/roles/{slug}.{fmt}").status_code == 200
    return until(lambda: immutable_urls(server.url, slug), "/roles naming the immutable URLs")


def test_immutable_url_answers_the_cli_bytes_from_the_cache_folder(
    served: tuple[Server, Path], cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    server, cache = served
    urls = render_and_name(server, SLUG)
    for fmt, expected in cli_bytes[SLUG].items():
        sha = hashlib.sha256(expected).hexdigest()
        assert urls[fmt] == f"/files/{sha}.{fmt}"
        response = httpx.get(server.url + urls[fmt])
        assert response.status_code == 200
        assert response.content == expected
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-disposition" not in response.headers
        assert (cache / "files" / f"{sha}.{fmt}").read_bytes() == expected
        again = httpx.get(server.url + urls[fmt], headers={"If-None-Match": f'"{sha}"'})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["cache-control"] == IMMUTABLE
        head = httpx.head(server.url + urls[fmt])
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(expected))

    # the stable name answers the same file (no redirect), revalidated on every use
    stable = httpx.get(f"{server.url}/roles/{SLUG}.pdf")
    assert stable.status_code == 200 and stable.content == cli_bytes[SLUG]["pdf"]
    assert stable.headers["cache-control"] == "no-cache"
    assert stable.headers["content-disposition"].startswith(f'attachment; filename="{SLUG}.pdf"')
    assert stable.headers["etag"] == httpx.get(server.url + urls["pdf"]).headers["etag"]

    # a range the long way, with the immutable header still
    part = httpx.get(server.url + urls["pdf"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == cli_bytes[SLUG]["pdf"][:100]
    assert part.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize(
    "path",
    [
        "/files/" + "0" * 64 + ".pdf",
        "/files/nothing.pdf",
        "/files/..%2fcache.pdf",
        "/files/" + "A" * 64 + ".pdf",
    ],
)
def test_unknown_files_are_404(served: tuple[Server, Path], path: str) -> None:
    response = httpx.get(served[0].url + path)
    assert response.status_code == 404
    assert "max-age" not in response.headers.get("cache-control", "")


def small_cache() -> Starlette:
    """The service with ``SERVE_TEST_CACHE_BYTES`` of cache (``python -m`` this module)."""
    from exporter.service import create_app

    return create_app(
        os.environ["SERVE_TEST_ROLES"],
        cache_dir=os.environ["SERVE_TEST_CACHE"],
        cache_bytes=int(os.environ["SERVE_TEST_CACHE_BYTES"]),
        jobs=1,
    )


def edit_and_rename(server: Server, path: Path, old: dict[str, str]) -> dict[str, str]:
    """Raise the role's current salary; its new immutable URLs, once rendered and named."""
    data = json.loads(path.read_text())
    data["salary"]["current_average"] += 1000
    path.write_text(json.dumps(data))
    slug = path.stem

    def renamed() -> dict[str, str]:
        httpx.get(f"{server.url}/roles/{slug}.pdf", timeout=120)  # renders once seen
        urls = immutable_urls(server.url, slug)
        return urls if urls and urls["pdf"] != old["pdf"] else {}

    return until(renamed, f"{slug}'s new immutable URL")  # type: ignore[no-any-return]


def test_an_edited_role_gets_a_new_url_and_the_old_one_answers_until_evicted(
    tmp_path: Path, cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    roles = copy_roles(tmp_path / "roles")
    one_role = max(sum(len(b) for b in files.values()) for files in cli_bytes.values())
    env = {
        "SERVE_TEST_ROLES": str(roles),
        "SERVE_TEST_CACHE": str(tmp_path / "cache"),
        # room for a role's files before and after its edit, not for a third role's too
        "SERVE_TEST_CACHE_BYTES": str(int(one_role * 2.5)),
    }
    command = [sys.executable, "-m", "tests.service.test_serve_immutable"]  # small_cache()
    running = Server(command, env=env).start()
    try:
        old = render_and_name(running, SLUG)
        new = edit_and_rename(running, roles / f"{SLUG}.json", old)
        assert new["docx"] != old["docx"]
        edited = cli_render(roles / f"{SLUG}.json", tmp_path / "cli")
        assert httpx.get(running.url + new["pdf"]).content == edited["pdf"]
        for fmt in ("pdf", "docx"):  # the old URLs keep answering the old bytes
            response = httpx.get(running.url + old[fmt])
            assert response.status_code == 200
            assert response.content == cli_bytes[SLUG][fmt]

        # Other roles' files push the old ones out of the cache (least recently used
        # first), and with them out of files/; then their URLs answer 404. The last
        # use of the old files reaches the cache's order at the index's next check, at
        # the latest while the first other role is named: two renders after that
        # leave room only for theirs.
        others = sorted(slug for slug in cli_bytes if slug != SLUG)
        first = render_and_name(running, others[0])
        render_and_name(running, others[1])
        edit_and_rename(running, roles / f"{others[0]}.json", first)
        old_file = tmp_path / "cache" / "files" / old["pdf"].rsplit("/", 1)[1]
        until(  # any request lets the index check again; asking for the file would keep it
            lambda: httpx.get(running.url + "/roles") and not old_file.exists(),
            "the evicted file gone from files/",
        )
        for fmt in ("pdf", "docx"):
            assert httpx.get(running.url + old[fmt]).status_code == 404
    finally:
        assert running.terminate() == 0


# --- nginx in front, serving /files/ from the cache folder ---


def nginx() -> str:
    """Debian's nginx; skipped without it, except in CI where it must be there."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is required in CI (bash .ci/setup --test installs nginx-light)")
        pytest.skip("nginx is not installed (bash .ci/setup --test installs nginx-light)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def documented_config() -> str:
    """The nginx configuration docs/serving.md gives (its one ``nginx`` code block)."""
    blocks = re.findall(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/serving.md should hold one nginx block"
    return str(blocks[0])


def nginx_config(folder: Path, port: int, app_url: str, cache: Path) -> Path:
    """docs/serving.md's server block on a loopback port, in a minimal main configuration."""
    block = (
        documented_config()
        .replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        .replace("127.0.0.1:8000", app_url.removeprefix("http://"))
        .replace("/var/cache/exporter", str(cache))
    )
    temp = folder / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's folders
    paths = " ".join(
        f"{kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\naccess_log off;\n{paths}\n{block}\n}}\n"
    )
    return config


def start_nginx(config: Path, port: int) -> subprocess.Popen[bytes]:
    """nginx in the foreground on ``port``, once it answers."""
    process = subprocess.Popen(
        [nginx(), "-c", str(config), "-p", str(config.parent), "-e", str(config.parent / "e.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                log = (config.parent / "e.log").read_text(errors="replace")
                raise RuntimeError("nginx did not start:\n" + log) from None
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("nginx never listened")


def test_nginx_serves_files_from_the_cache_folder(
    served: tuple[Server, Path], cli_bytes: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    nginx()
    server, cache = served
    urls = render_and_name(server, SLUG)
    port = free_port()
    process = start_nginx(nginx_config(tmp_path, port, server.url, cache), port)
    try:
        front = f"http://127.0.0.1:{port}"
        before = server.metric("exporter_http_requests_total", route="/files/{name}")
        for fmt, expected in cli_bytes[SLUG].items():
            response = httpx.get(front + urls[fmt])
            assert response.status_code == 200
            assert response.content == expected
            assert response.headers["cache-control"] == IMMUTABLE
            assert response.headers["server"].startswith("nginx")
            assert "content-disposition" not in response.headers
        # nginx answered from the folder: the application saw none of those requests
        assert server.metric("exporter_http_requests_total", route="/files/{name}") == before
        # everything else passes to the application
        listed = httpx.get(front + "/roles").json()
        assert [item["slug"] for item in listed][-1] == SLUG
        stable = httpx.get(f"{front}/roles/{SLUG}.docx")
        assert stable.content == cli_bytes[SLUG]["docx"]
        assert stable.headers["cache-control"] == "no-cache"
        # a name not in the folder passes to the application too, which says 404
        missing = httpx.get(front + "/files/" + "1" * 64 + ".pdf")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":  # served like `exporter serve`, with a small cache
    from exporter.service.server import run

    run(small_cache(), "127.0.0.1", 0)
