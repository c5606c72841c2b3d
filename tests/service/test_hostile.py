"""The service under hostile requests and an unlucky disk (issue 25), over real HTTP.

Each test plants the fault in a running ``exporter serve`` and reads back what a
client gets: planted links and FIFOs in the cache, a full cache disk, made-up
methods, overflowing numbers, a non-UTF-8 file name, a foreign ``Host``, ambiguous
body framing, slow headers and an empty API token.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import copy_roles, running_server
from tests.service.server import ROOT, Server, serve_command, until

pytestmark = pytest.mark.slow

SLUG = "machine-learning-lead-canada"
OTHER = "backend-administrator-canada"
TOKEN = "hostile-token-5678"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def server(base: Path) -> Iterator[Server]:
    with running_server(base, "--enable-render-api", env={"EXPORTER_API_TOKEN": TOKEN}) as running:
        yield running


def _raw(server: Server, request: bytes, wait: float = 60.0) -> bytes:
    """Send bytes on a fresh connection; everything the server sends until it closes."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


def test_overflowing_numbers_are_a_4xx_or_ignored(
    server: Server, cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    url = f"{server.url}/roles/{SLUG}.pdf"
    whole = cli_bytes[SLUG]["pdf"]
    past_the_end = httpx.get(url, headers={"Range": "bytes=" + "9" * 5000 + "-"}, timeout=120)
    assert past_the_end.status_code == 416
    assert past_the_end.headers["content-range"] == f"bytes */{len(whole)}"
    last = httpx.get(url, headers={"Range": "bytes=-" + "9" * 5000}, timeout=120)
    assert last.status_code == 206 and last.content == whole
    for date in (
        "Sun, 99999999999999999999 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 99999999999999999999:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 +99999999999999999999",
        "Sun, 06 Nov 1994 08:49:37 GMT " + "9" * 5000,
    ):
        got = httpx.get(url, headers={"If-Modified-Since": date}, timeout=120)
        assert got.status_code == 200 and got.content == whole, date


def test_made_up_methods_leave_the_metrics_small(server: Server) -> None:
    before = len(httpx.get(server.url + "/metrics").content)
    with server.client() as client:
        for n in range(300):
            method = f"X{n:03d}" + "Q" * 1000
            assert client.request(method, "/roles").status_code == 405
    after = len(httpx.get(server.url + "/metrics").content)
    assert after - before < 20_000, (before, after)
    assert server.metric("exporter_http_requests_total", method="other") >= 300
    assert "X000" not in httpx.get(server.url + "/metrics").text


def test_a_non_utf8_file_name_leaves_the_listing_working(server: Server, base: Path) -> None:
    odd = os.fsdecode(b"odd-\xff-role.json")
    (base / "roles" / odd).write_bytes((base / "roles" / f"{SLUG}.json").read_bytes())
    try:
        page = _listing_showing(server, "odd-\\xff-role.json")
        assert page.status_code == 200
        assert "odd-\\xff-role.json: file name is not valid UTF-8" in page.text
        assert "Machine Learning Lead" in page.text
        assert httpx.get(server.url + "/roles").status_code == 200
    finally:
        (base / "roles" / odd).unlink()
    assert any("odd-\\xff-role.json" in line and "UTF-8" in line for line in server.log)


def test_a_foreign_host_is_refused(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.2", "localhost.evil.example"):
        got = httpx.get(f"{server.url}/roles/{SLUG}", headers={"Host": host})
        assert got.status_code == 421, host
        assert got.headers["content-type"] == "application/problem+json"
        assert got.json()["errors"] == [{"field": "host", "message": "not accepted"}]
        assert "Machine Learning Lead" not in got.text
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST", f"[::1]:{port}"):
        got = httpx.get(f"{server.url}/roles/{SLUG}", headers={"Host": host})
        assert got.status_code == 200 and got.json()["role"] == "Machine Learning Lead", host


def test_content_length_with_transfer_encoding_is_refused_and_closed(server: Server) -> None:
    request = (
        b"POST /render HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n"
        b"0\r\n\r\nGET /roles HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    answer = _raw(server, request)  # returns only once the server has closed the connection
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in answer.lower()
    assert answer.count(b"HTTP/1.1 ") == 1  # the smuggled second request was never answered


def test_slow_headers_are_cut_off(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port), timeout=120) for _ in range(30)]
    answers = {conn: b"" for conn in slow}
    done: set[socket.socket] = set()

    def trickle() -> bool:
        """A header byte a second on every open connection; collect what comes back."""
        waiting = [conn for conn in slow if conn not in done]
        for conn in waiting:
            with contextlib.suppress(OSError):
                conn.sendall(b"X")
        readable, _, _ = select.select(waiting, [], [], 1.0)
        for conn in readable:
            try:
                chunk = conn.recv(4096)
            except OSError:
                chunk = b""
            answers[conn] += chunk
            if not chunk:
                done.add(conn)
        return len(done) == len(slow)

    try:
        for conn in slow:
            conn.sendall(b"GET /roles HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert httpx.get(server.url + "/healthz").status_code == 200  # others are served
        until(trickle, "every slow connection closed by the server", 120)
    finally:
        for conn in slow:
            conn.close()
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers.values()), list(answers.values())[:2]


def test_planted_links_and_fifos_are_never_followed_or_waited_on(
    server: Server, base: Path, cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    cache = base / "cache"
    before = set(cache.iterdir())
    first = httpx.get(f"{server.url}/roles/{OTHER}.pdf", timeout=120)
    assert first.content == cli_bytes[OTHER]["pdf"]
    (pdf,) = [p for p in set(cache.iterdir()) - before if p.suffix == ".pdf"]
    docx = pdf.with_suffix(".docx")
    secret = base / "secret.txt"
    secret.write_bytes(b"SECRET: not a report")
    pdf.unlink()
    pdf.symlink_to(secret)
    docx.unlink()
    os.mkfifo(docx)
    with server.client() as client:  # a FIFO waited on would hang here (120 s bound)
        got_pdf = client.get(f"/roles/{OTHER}.pdf")
        got_docx = client.get(f"/roles/{OTHER}.docx")
        listing = client.get("/")
    assert got_pdf.status_code == 200 and got_pdf.content == cli_bytes[OTHER]["pdf"]
    assert got_docx.status_code == 200 and got_docx.content[:2] == b"PK"
    assert listing.status_code == 200
    assert secret.read_bytes() == b"SECRET: not a report"  # never written through the link
    assert not pdf.is_symlink() and pdf.read_bytes() == cli_bytes[OTHER]["pdf"]
    pdf.write_bytes(b"%PDF-planted")  # a regular file under the name: not what was recorded
    again = httpx.get(f"{server.url}/roles/{OTHER}.pdf", timeout=120)
    assert again.content == cli_bytes[OTHER]["pdf"]


def test_a_full_cache_still_serves_new_renders(
    tmp_path: Path, cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    roles = copy_roles(tmp_path / "roles")
    command = serve_command(roles, tmp_path / "cache", "--jobs", "1")
    with_limit = Server(command).start()
    assert with_limit.process is not None
    # From now on no file the server process writes may pass 20 KB (a 44 KB PDF never
    # fits): its cache's disk is full. Its warm workers are other processes, not limited.
    resource.prlimit(with_limit.process.pid, resource.RLIMIT_FSIZE, (20_000, 20_000))
    try:
        for slug in (SLUG, OTHER):
            got = httpx.get(f"{with_limit.url}/roles/{slug}.pdf", timeout=120)
            assert got.status_code == 200 and got.content == cli_bytes[slug]["pdf"]
        assert with_limit.metric("exporter_cache_write_failures_total") >= 2
        assert with_limit.metric("exporter_failures_total") == 0
    finally:
        assert with_limit.terminate() == 0
    warned = [line for line in with_limit.log if "cannot store" in line]
    assert len(warned) == 1, warned  # logged once, not per file
    assert not [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".pdf"]


def test_an_empty_token_does_not_start_an_open_api(tmp_path: Path) -> None:
    roles = copy_roles(tmp_path / "roles")
    command = serve_command(roles, tmp_path / "cache", "--enable-render-api")
    env = {**os.environ, "EXPORTER_API_TOKEN": ""}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "EXPORTER_API_TOKEN is set but empty" in done.stderr
    assert "Uvicorn running" not in done.stderr and "Traceback" not in done.stderr


def test_the_default_cache_folder_must_be_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "exporter").mkdir(parents=True)
    elsewhere = tmp_path / "planted"
    elsewhere.mkdir()
    (shared / "exporter" / "serve").symlink_to(elsewhere)  # another user's folder, say
    roles = copy_roles(tmp_path / "roles")
    command = [sys.executable, "-m", "exporter", "serve", str(roles), "--port", "0"]
    env = {**os.environ, "XDG_CACHE_HOME": str(shared)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "not a folder only this user can write" in done.stderr
    assert "--cache" in done.stderr and "Traceback" not in done.stderr


def test_a_same_size_edit_with_its_time_set_back_is_served_fresh(
    server: Server, base: Path
) -> None:
    path = base / "roles" / f"{OTHER}.json"
    original = path.read_bytes()
    before = httpx.get(f"{server.url}/roles/{OTHER}").json()
    old = str(before["salary"]["current_average"])
    new = str(int(old[0]) % 9 + 1) + old[1:]  # same number of digits: same file size
    info = path.stat()
    try:
        path.write_bytes(original.replace(old.encode(), new.encode(), 1))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # time set back as it was
        assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
        deadline = time.monotonic() + 10  # the roles folder is checked once a second
        while True:
            after = httpx.get(f"{server.url}/roles/{OTHER}").json()
            if str(after["salary"]["current_average"]) == new or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert str(after["salary"]["current_average"]) == new
    finally:
        path.write_bytes(original)


def test_published_problems_name_the_field_not_the_value(server: Server, base: Path) -> None:
    data = json.loads((base / "roles" / f"{SLUG}.json").read_text())
    data["salary"]["current_average"] = "SECRET-VALUE-42"
    data["country"] = "Narnia-Secret"
    broken = base / "roles" / "broken-role.json"
    broken.write_text(json.dumps(data))
    try:
        page = _listing_showing(server, "broken-role.json")
        assert page.status_code == 200
        assert "broken-role.json: salary.current_average: must be a number" in page.text
        assert "broken-role.json: country: invalid value" in page.text
        assert "SECRET-VALUE-42" not in page.text and "Narnia-Secret" not in page.text
    finally:
        broken.unlink()
    assert any("SECRET-VALUE-42" in line for line in server.log)  # the operator sees it all
    api = httpx.post(
        server.url + "/render", json=data, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert api.status_code == 422
    assert {"field": "country", "message": "invalid value"} in api.json()["errors"]
    assert "SECRET-VALUE-42" not in api.text and "Narnia-Secret" not in api.text


def _listing_showing(server: Server, name: str, seconds: float = 10.0) -> httpx.Response:
    """``GET /`` once the listing names ``name`` (the roles folder is checked once a second)."""
    deadline = time.monotonic() + seconds
    while True:
        page = httpx.get(server.url + "/")
        if name in page.text or time.monotonic() > deadline:
            return page
        time.sleep(0.2)
