"""Benchmark ``exporter serve``'s hot path with wrk (a script, not a test): loopback only.

Side by side in one run, on the same 44 KB PDF (a fixture role's report):

- ``exporter serve``: a cached download by its stable name and by its immutable
  URL, a 304 (If-None-Match), and ``GET /roles``;
- the floor: a minimal Starlette app on the same uvicorn (same event loop and HTTP
  parser) answering the same bytes from memory, and its 304;
- nginx alone serving the same file from a folder, and nginx in front of the
  service as docs/serving.md configures it, serving ``/files/`` from the cache
  folder;

then the ratios the issue sets targets for. Each load is ``wrk -t2 -c50 -d5s``
(bounded), run twice: each group of compared loads forwards then backwards, so a
machine whose load drifts during the run favours none; the means are compared. The
machine's load average is printed with the results.

    .venv/bin/python bench/serve_bench.py              # wrk and nginx: bash .ci/setup --test
    .venv/bin/python bench/serve_bench.py --seconds 10
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ROLES = ROOT / "fixtures" / "roles"
SLUG = "machine-learning-lead-canada"
DOCS = ROOT / "docs" / "serving.md"
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def floor_app(path: str) -> object:
    """The floor: a minimal Starlette app answering one file's bytes from memory (and 304)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    data = Path(path).read_bytes()
    etag = '"floor"'

    async def download(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(data, media_type="application/pdf", headers={"ETag": etag})

    return Starlette(routes=[Route("/file.pdf", download)])


def start(command: list[str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A uvicorn server logging to a file (no reader competing for the CPU); (process, URL)."""
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        match = _LISTENING.search(log.read_text(errors="replace"))
        if match:
            return process, f"http://127.0.0.1:{match.group(1)}"
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"did not start: {' '.join(command)}\n{log.read_text(errors='replace')}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_config(folder: Path, alone: Path, alone_port: int, front_port: int, app: str,
                 cache: Path) -> Path:  # fmt: skip
    """One nginx, two loopback servers: a plain folder, and docs/serving.md's front."""
    block = re.findall(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)[0]
    block = (
        block.replace("127.0.0.1:8080", f"127.0.0.1:{front_port}")
        .replace("127.0.0.1:8000", app.removeprefix("http://"))
        .replace("/var/cache/exporter", str(cache))
    )
    temp = folder / "temp"
    temp.mkdir()
    paths = " ".join(
        f"{kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\naccess_log off;\n{paths}\n"
        f"server {{\n listen 127.0.0.1:{alone_port};\n location / {{ root {alone}; "
        f"types {{ application/pdf pdf; }} }}\n}}\n{block}\n}}\n"
    )
    return config


def wrk(url: str, seconds: int, header: str | None = None) -> tuple[float, float, int]:
    """(requests per second, p50 latency in ms, non-2xx/3xx responses) of one wrk run."""
    command = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, latency, int(bad.group(1)) if bad else 0


def warm(url: str) -> tuple[str, bytes, str]:
    """Render the role once; (immutable path, its bytes, its ETag) once /roles names it."""
    with httpx.Client(base_url=url, timeout=300) as client:
        data = client.get(f"/roles/{SLUG}.pdf").content
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            listed = {item["slug"]: item for item in client.get("/roles").json()}
            path = listed[SLUG]["files"]["pdf"]
            if path:
                response = client.get(path)
                assert response.content == data
                return path, data, response.headers["etag"]
            time.sleep(0.2)
    raise SystemExit("the service never named the immutable URL")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--floor", help=argparse.SUPPRESS)  # internal: serve the floor app
    args = parser.parse_args()
    if args.floor:
        from exporter.service.server import run as serve

        serve(floor_app(args.floor), "127.0.0.1", 0)  # type: ignore[arg-type]  # as exporter serve
        return
    for tool in ("wrk", "nginx"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            raise SystemExit(f"{tool} is needed: bash .ci/setup --test")
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    shutil.copytree(ROLES, work / "roles")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        service, url = start(
            [sys.executable, "-m", "exporter", "serve", str(work / "roles"), "--port", "0",
             "--cache", str(work / "cache"), "--jobs", "1"], work / "serve.log",
        )  # fmt: skip
        processes.append(service)
        path, data, etag = warm(url)
        (work / "alone").mkdir()
        (work / "alone" / "file.pdf").write_bytes(data)
        floor_command = [
            sys.executable,
            "bench/serve_bench.py",
            "--floor",
            str(work / "alone" / "file.pdf"),
        ]
        floor, floor_url = start(floor_command, work / "floor.log")
        processes.append(floor)
        assert httpx.get(floor_url + "/file.pdf").content == data
        alone_port, front_port = free_port(), free_port()
        config = nginx_config(work, work / "alone", alone_port, front_port, url, work / "cache")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        proxy = subprocess.Popen([nginx, "-c", str(config), "-p", str(work)])
        processes.append(proxy)
        alone, front = f"http://127.0.0.1:{alone_port}", f"http://127.0.0.1:{front_port}"
        for _ in range(100):
            try:
                assert httpx.get(alone + "/file.pdf").content == data
                assert httpx.get(front + path).content == data
                break
            except (httpx.TransportError, AssertionError):
                time.sleep(0.1)
        run(args.seconds, url, path, etag, floor_url, alone, front)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(30)
        shutil.rmtree(work, ignore_errors=True)


def run(seconds: int, url: str, path: str, etag: str, floor: str, alone: str, front: str) -> None:
    """Every load side by side, then the ratios."""
    print(f"# wrk -t2 -c50 -d{seconds}s, loopback, each load twice (mean; the worst p50)")
    print(f"# load average before: {_load()}")
    stable = f"{url}/roles/{SLUG}.pdf"
    match = f"If-None-Match: {etag}"
    loads = {
        "floor: minimal Starlette, same bytes": (floor + "/file.pdf", None),
        "serve: cached download /roles/{slug}.pdf": (stable, None),
        "serve: immutable /files/<sha256>.pdf": (url + path, None),
        "floor: 304": (floor + "/file.pdf", 'If-None-Match: "floor"'),
        "serve: 304 (If-None-Match)": (stable, match),
        "serve: GET /roles (JSON, 3 roles)": (url + "/roles", None),
        "nginx alone, same file": (alone + "/file.pdf", None),
        "nginx in front, /files/ from the cache": (front + path, None),
    }
    groups = [list(loads)[:3] + list(loads)[5:6], list(loads)[3:5], list(loads)[6:]]
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in loads}
    for group in groups:  # each group forwards then backwards: a drifting machine cancels out
        for name in group + group[::-1]:
            target, header = loads[name]
            runs[name].append(wrk(target, seconds, header))
    rates = {}
    for name, measured in runs.items():
        rates[name] = sum(rate for rate, _, _ in measured) / len(measured)
        p50 = max(latency for _, latency, _ in measured)
        bad = sum(count for _, _, count in measured)
        shown = " ".join(f"{rate:,.0f}" for rate, _, _ in measured)
        print(
            f"{name:<44} {rates[name]:>8,.0f} req/s ({shown})   p50 {p50:5.2f} ms   "
            f"non-2xx/3xx {bad}"
        )
    names = list(loads)
    print(f"# ratios (targets in brackets); load average after: {_load()}")
    for label, top, bottom, target in (
        ("cached download / floor", names[1], names[0], 0.8),
        ("immutable download / floor", names[2], names[0], 0.8),
        ("304 / floor's 304", names[4], names[3], 0.8),
        ("/roles / floor's download", names[5], names[0], 0.5),
        ("nginx in front / nginx alone", names[7], names[6], 0.8),
    ):
        ratio = rates[top] / rates[bottom]
        verdict = "ok" if ratio >= target else "BELOW"
        print(f"{label:<44} {ratio:6.2f}x   [>= {target}x] {verdict}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
