"""The service as a real process on a loopback port, talked to over HTTP (httpx)."""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from exporter.model.role import MAX_FILE_BYTES
from exporter.model.rolefile import load_role, role_json
from tests.conftest import ROLES_DIR
from tests.service.conftest import cli_render, copy_roles, running_server
from tests.service.server import Server, app_command, serve_command, until

pytestmark = pytest.mark.slow

TOKEN = "test-token-1234"
SLUGS = ("backend-administrator-canada", "lead-backend-specialist-canada",
         "machine-learning-lead-canada")  # fmt: skip
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`exporter serve` with the render API on, behind a token; one worker."""
    base = tmp_path_factory.mktemp("serve")
    with running_server(base, "--enable-render-api", env={"EXPORTER_API_TOKEN": TOKEN}) as running:
        yield running


def test_listing_page(server: Server) -> None:
    page = httpx.get(server.url + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="en">' in page.text
    names = re.findall(r'<th scope="row">([^<]+)</th>', page.text)
    assert names == ["Backend Administrator", "Lead Backend Specialist", "Machine Learning Lead"]
    assert "$141,344" in page.text and "(small sample)" in page.text
    for slug in SLUGS:
        assert f'href="/roles/{slug}.pdf"' in page.text
        assert f'href="/roles/{slug}.docx"' in page.text
    filtered = httpx.get(server.url + "/", params={"q": "machine"})
    assert re.findall(r'<th scope="row">([^<]+)</th>', filtered.text) == ["Machine Learning Lead"]
    assert "1 of 3 roles shown" in filtered.text


def test_filter_value_is_escaped(server: Server) -> None:
    page = httpx.get(server.url + "/", params={"q": '"><script>alert(1)</script>'})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_roles_json(server: Server) -> None:
    listed = httpx.get(server.url + "/roles").json()
    assert [item["slug"] for item in listed] == list(SLUGS)
    first = listed[0]
    assert first["role"] == "Backend Administrator" and first["country"] == "Canada"
    assert first["figures"]["current"] == "$157,410"
    assert first["urls"] == {
        "pdf": "/roles/backend-administrator-canada.pdf",
        "docx": "/roles/backend-administrator-canada.docx",
    }
    one = httpx.get(server.url + "/roles/machine-learning-lead-canada")
    assert one.headers["content-type"] == "application/json"
    expected = role_json(load_role(ROLES_DIR / "machine-learning-lead-canada.json"))
    assert one.content == expected


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_download_equals_cli(
    server: Server, cli_bytes: dict[str, dict[str, bytes]], fmt: str
) -> None:
    for slug in SLUGS:
        got = httpx.get(f"{server.url}/roles/{slug}.{fmt}")
        assert got.status_code == 200
        assert got.content == cli_bytes[slug][fmt]
        assert got.headers["content-type"] == ("application/pdf" if fmt == "pdf" else DOCX_TYPE)
        assert got.headers["content-length"] == str(len(got.content))
        assert got.headers["content-disposition"] == (
            f"attachment; filename=\"{slug}.{fmt}\"; filename*=UTF-8''{slug}.{fmt}"
        )
        assert re.fullmatch(r'"[0-9a-f]{64}"', got.headers["etag"])
        assert got.headers["cache-control"] == "no-cache"
        assert got.headers["last-modified"].endswith(" GMT")


def test_etag_gives_304(server: Server) -> None:
    url = server.url + "/roles/lead-backend-specialist-canada.pdf"
    first = httpx.get(url)
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = httpx.get(url, headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200 and other.content == first.content


def test_if_modified_since_gives_304_unless_an_etag_is_asked_about(server: Server) -> None:
    url = server.url + "/roles/lead-backend-specialist-canada.docx"
    first = httpx.get(url)
    stamp = first.headers["last-modified"]
    same = httpx.get(url, headers={"If-Modified-Since": stamp})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["last-modified"] == stamp
    earlier = email.utils.formatdate(
        email.utils.parsedate_to_datetime(stamp).timestamp() - 60, usegmt=True
    )
    older = httpx.get(url, headers={"If-Modified-Since": earlier})
    assert older.status_code == 200 and older.content == first.content
    # If-None-Match decides when both are sent (RFC 9110): a stale ETag gets the file.
    both = httpx.get(url, headers={"If-Modified-Since": stamp, "If-None-Match": '"0000"'})
    assert both.status_code == 200 and both.content == first.content
    for nonsense in ("yesterday", "Mon, 99 Foo 2026 00:00:00", ""):
        got = httpx.get(url, headers={"If-Modified-Since": nonsense})
        assert got.status_code == 200, nonsense


def test_ranges_of_a_pdf(server: Server) -> None:
    url = server.url + "/roles/backend-administrator-canada.pdf"
    whole = httpx.get(url)
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    part = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == whole.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{size}"
    tail = httpx.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    stale = httpx.get(url, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == whole.content


def test_inline_pdf(server: Server) -> None:
    got = httpx.get(server.url + "/roles/backend-administrator-canada.pdf?inline=1")
    assert got.headers["content-disposition"].startswith("inline; ")


@pytest.mark.parametrize(
    "path",
    [
        "/roles/no-such-role.pdf",
        "/roles/no-such-role",
        "/roles/..%2F..%2Fetc%2Fpasswd",
        "/roles/..%252F..%252Fetc%252Fpasswd",
        "/roles/..%2F..%2Fetc%2Fpasswd.pdf",
        "/roles/%2e%2e/%2e%2e/etc/passwd",
        "/roles/",
        "/assets/",
        "/assets/..%2Fapp.py",
        "/roles/machine-learning-lead-canada.json",
        "/roles/machine-learning-lead-canada.exe",
        "/render",
    ],
)
def test_unknown_and_traversal_are_404(server: Server, path: str) -> None:
    got = httpx.get(server.url + path)
    assert got.status_code in (404, 405)
    assert "passwd" not in got.text and "root:" not in got.text
    if got.status_code == 404 and got.headers["content-type"] == "application/problem+json":
        assert got.json()["status"] == 404


def test_render_api_needs_the_token(server: Server) -> None:
    body = (ROLES_DIR / "machine-learning-lead-canada.json").read_bytes()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        got = httpx.post(server.url + "/render", content=body, headers=headers)
        assert got.status_code == 401
        assert got.headers["www-authenticate"].startswith("Bearer")
        assert got.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_render_api_equals_cli(
    server: Server, cli_bytes: dict[str, dict[str, bytes]], fmt: str
) -> None:
    body = (ROLES_DIR / "lead-backend-specialist-canada.json").read_bytes()
    got = httpx.post(
        server.url + "/render",
        params={"format": fmt},
        content=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    assert got.status_code == 200
    assert got.content == cli_bytes["lead-backend-specialist-canada"][fmt]


def test_render_api_refuses_a_large_body(server: Server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    big = b" " * (MAX_FILE_BYTES + 1)
    got = httpx.post(server.url + "/render", content=big, headers=auth)
    assert got.status_code == 413
    assert got.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        for _ in range(MAX_FILE_BYTES // 65536 + 2):
            yield b" " * 65536

    streamed = httpx.post(server.url + "/render", content=chunks(), headers=auth)
    assert streamed.status_code == 413


def test_render_api_lists_every_problem(server: Server) -> None:
    data = json.loads((ROLES_DIR / "machine-learning-lead-canada.json").read_text())
    data["salary"]["current_average"] = "a lot"
    del data["country"]
    data["role"] = "<script>x</script>"
    got = httpx.post(
        server.url + "/render",
        json=data,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.status_code == 422
    assert got.headers["content-type"] == "application/problem+json"
    problem = got.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid role"
    fields = {error["field"] for error in problem["errors"]}
    assert {"salary.current_average", "country"} <= fields
    assert "<script>" not in got.text  # JSON escapes it: \u003c
    assert problem["detail"].startswith("request body: ")
    bad_json = httpx.post(
        server.url + "/render", content=b"{", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert bad_json.status_code == 422 and bad_json.json()["errors"]


def test_health_and_metrics(server: Server) -> None:
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    text = httpx.get(server.url + "/metrics").text
    for name in (
        "exporter_http_requests_total",
        "exporter_renders_total",
        "exporter_cache_hits_total",
        "exporter_cache_misses_total",
        "exporter_render_seconds_bucket",
        "exporter_render_queue_depth",
    ):
        assert name in text
    assert 'route="/roles/{name}"' in text


def test_many_concurrent_requests_render_each_file_once(
    tmp_path: Path, cli_bytes: dict[str, dict[str, bytes]]
) -> None:
    roles = copy_roles(tmp_path / "roles")
    running = Server(serve_command(roles, tmp_path / "cache", "--jobs", "2")).start()
    try:
        urls = [f"/roles/{slug}.{fmt}" for slug in SLUGS for fmt in ("pdf", "docx")]
        wanted = [urls[i % len(urls)] for i in range(50)]
        with running.client() as client, ThreadPoolExecutor(50) as pool:
            responses = list(pool.map(client.get, wanted))
        for url, response in zip(wanted, responses, strict=True):
            assert response.status_code == 200
            slug, fmt = url.rsplit("/", 1)[1].split(".")
            assert response.content == cli_bytes[slug][fmt]
        # one job per role renders both formats: three renders for six files
        assert running.metric("exporter_renders_total", outcome="ok") == 3
        assert running.metric("exporter_cache_misses_total") >= 6

        # edited while running: new bytes, a new ETag, no restart
        path = roles / "machine-learning-lead-canada.json"
        before = httpx.get(running.url + "/roles/machine-learning-lead-canada.pdf")
        data = json.loads(path.read_text())
        data["salary"]["current_average"] += 1000
        path.write_text(json.dumps(data))
        url = running.url + "/roles/machine-learning-lead-canada.pdf"
        after = until(  # the folder is checked at most once a second, not per request
            lambda: (
                (r := httpx.get(url, timeout=120)).headers["etag"] != before.headers["etag"] and r
            ),
            "the edited role served",
        )
        assert after.status_code == 200
        assert after.content == cli_render(path, tmp_path / "cli")["pdf"]
        assert running.metric("exporter_renders_total", outcome="ok") == 4
    finally:
        assert running.terminate() == 0


def test_warm_cache_from_a_batch_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from exporter.cli import cli

    roles = copy_roles(tmp_path / "roles")
    out = tmp_path / "dist"
    done = CliRunner().invoke(cli, ["batch", str(roles), "--out", str(out), "--jobs", "1", "-q"])
    assert done.exit_code == 0, done.output
    running = Server(serve_command(roles, out, "--jobs", "1")).start()
    try:
        for slug in SLUGS:
            got = httpx.get(f"{running.url}/roles/{slug}.pdf")
            assert got.content == (out / f"{slug}.pdf").read_bytes()
        assert running.metric("exporter_renders_total") == 0
        assert running.metric("exporter_cache_hits_total", format="pdf") == 3
    finally:
        assert running.terminate() == 0


def _slow_server(tmp_path: Path, module_main: bool = False) -> Server:
    roles = copy_roles(tmp_path / "roles")
    env = {"SERVE_TEST_ROLES": str(roles), "SERVE_TEST_CACHE": str(tmp_path / "cache")}
    import sys

    command = (
        [sys.executable, "-m", "tests.service.apps", "slow"] if module_main else app_command("slow")
    )
    return Server(command, env=env).start()


def _wait_for_depth(server: Server, depth: int) -> None:
    deadline = time.monotonic() + 60
    while server.metric("exporter_render_queue_depth") < depth:
        assert time.monotonic() < deadline, "the renders never queued"
        time.sleep(0.05)


def test_full_queue_gives_503(tmp_path: Path) -> None:
    running = _slow_server(tmp_path)
    try:
        results: dict[str, httpx.Response] = {}

        def fetch(slug: str) -> None:
            results[slug] = httpx.get(f"{running.url}/roles/{slug}.pdf", timeout=120)

        threads = []
        for depth, slug in enumerate(SLUGS[:2], start=1):
            threads.append(threading.Thread(target=fetch, args=(slug,)))
            threads[-1].start()
            _wait_for_depth(running, depth)
        refused = httpx.get(f"{running.url}/roles/{SLUGS[2]}.pdf")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        assert refused.headers["content-type"] == "application/problem+json"
        for thread in threads:
            thread.join()
        assert [results[slug].status_code for slug in SLUGS[:2]] == [200, 200]
        assert httpx.post(running.url + "/render", content=b"{}").status_code == 404
    finally:
        running.stop()


def test_sigterm_finishes_requests_in_flight(tmp_path: Path) -> None:
    running = _slow_server(tmp_path, module_main=True)
    results: list[httpx.Response] = []
    thread = threading.Thread(
        target=lambda: results.append(httpx.get(f"{running.url}/roles/{SLUGS[0]}.pdf", timeout=120))
    )
    thread.start()
    _wait_for_depth(running, 1)
    assert running.terminate() == 0
    thread.join()
    assert results[0].status_code == 200
    assert results[0].content.startswith(b"%PDF-")
    with pytest.raises(httpx.ConnectError):
        httpx.get(running.url + "/healthz")


def test_faults_leave_the_service_serving(tmp_path: Path) -> None:
    roles = copy_roles(tmp_path / "roles")
    healthy = json.loads((roles / f"{SLUGS[0]}.json").read_text())
    healthy["role"] = "Data Engineer"
    (roles / "data-engineer-canada.json").write_text(json.dumps(healthy))
    faults = f"{SLUGS[0]}=fail,{SLUGS[1]}=sleep,{SLUGS[2]}=crash"
    env = {
        "SERVE_TEST_ROLES": str(roles),
        "SERVE_TEST_CACHE": str(tmp_path / "cache"),
        "SERVE_TEST_FAULTS": faults,
    }
    running = Server(app_command("faulty"), env=env).start()
    try:
        failed = httpx.get(f"{running.url}/roles/{SLUGS[0]}.pdf", timeout=120)
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert f"{SLUGS[0]}.json" in failed.json()["detail"]
        assert "failed on purpose" in failed.json()["detail"]

        overran = httpx.get(f"{running.url}/roles/{SLUGS[1]}.docx", timeout=120)
        assert overran.status_code == 503
        assert overran.headers["retry-after"] == "5"
        assert "time limit" in overran.json()["detail"]

        crashed = httpx.get(f"{running.url}/roles/{SLUGS[2]}.pdf", timeout=120)
        assert crashed.status_code == 503  # a worker that died is "try again", typed
        assert "worker process died" in crashed.json()["detail"]

        fine = httpx.get(f"{running.url}/roles/data-engineer-canada.pdf", timeout=120)
        assert fine.status_code == 200 and fine.content.startswith(b"%PDF-")
        assert running.metric("exporter_worker_replacements_total") == 2
        assert running.metric("exporter_failures_total", reason="render") == 1
        assert httpx.get(running.url + "/readyz").status_code == 200
    finally:
        running.stop()


def test_changed_templates_are_served_without_a_restart(tmp_path: Path) -> None:
    from exporter.resources import TEMPLATES_DIR
    from tests.readback import pdf_text

    roles = copy_roles(tmp_path / "roles")
    templates = tmp_path / "templates"
    (templates / "blocks").mkdir(parents=True)
    block = templates / "blocks" / "callout.html"
    bundled = (TEMPLATES_DIR / "blocks" / "callout.html").read_text(encoding="utf-8")
    block.write_text(bundled, encoding="utf-8")
    command = serve_command(roles, tmp_path / "cache", "--jobs", "1", "--templates", str(templates))
    running = Server(command).start()
    url = running.url + "/roles/lead-backend-specialist-canada.pdf"
    try:
        before = httpx.get(url, timeout=120)
        assert before.status_code == 200 and "FRESH CALLOUT" not in pdf_text(before.content)

        block.write_text("<p>FRESH CALLOUT</p>\n" + bundled, encoding="utf-8")

        def fresh() -> httpx.Response | None:
            got = httpx.get(url, timeout=120)
            return got if "FRESH CALLOUT" in pdf_text(got.content) else None

        changed = until(fresh, "the new template in the PDF")
        assert changed.headers["etag"] != before.headers["etag"]
        assert running.metric("exporter_worker_replacements_total") == 0  # renewed, not broken

        # A broken template is refused: the last good one goes on serving, the log says why.
        block.write_text("{% if %}\n", encoding="utf-8")
        until(lambda: any("cannot be used" in line for line in running.log), "the problem logged")
        problem_line = next(line for line in running.log if "cannot be used" in line)
        assert f"{block}, line 1" in problem_line
        still = httpx.get(url, timeout=120)
        assert still.status_code == 200 and still.headers["etag"] == changed.headers["etag"]

        block.write_text(bundled, encoding="utf-8")  # mended: back to the first bytes
        etag = before.headers["etag"]
        until(lambda: httpx.get(url, timeout=120).headers["etag"] == etag, "the mended template")
    finally:
        assert running.terminate() == 0
