"""Benchmark ``exporter serve`` (a script, not a test): loopback only, bounded request counts.

Measures, in one run on this machine:

- cached downloads: requests per second and p50/p95 latency with 50 concurrent
  clients, against ``python -m http.server`` serving the same files;
- uncached renders: 50 concurrent clients each asking for a different role's PDF
  (every role renders once, both formats), against ``exporter batch`` on the same
  roles with as many workers (seconds per role);
- memory: the service's RSS (main process and its workers) every 1,000 of 10,000
  cached requests: it should stay flat.

    .venv/bin/python bench/serve_bench.py --roles 50 --jobs 2 > serve-bench.txt 2>&1

Times are wall seconds on a shared machine: compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "roles" / "machine-learning-lead-canada.json"
_LISTENING = re.compile(r"running on http://127\.0\.0\.1:(\d+)")


def make_roles(folder: Path, count: int) -> list[str]:
    """``count`` valid roles (the fixture under other names); their slugs."""
    folder.mkdir(parents=True)
    base = json.loads(FIXTURE.read_text())
    slugs = []
    for i in range(count):
        data = dict(base, role=f"Bench Role {i:03d}")
        (folder / f"bench-{i:03d}.json").write_text(json.dumps(data))
        slugs.append(f"bench-role-{i:03d}-canada")
    return slugs


def start(command: list[str], pattern: re.Pattern[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a server printing its port on stderr; (process, base URL)."""
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    port = ""
    for line in process.stdout:
        match = pattern.search(line)
        if match:
            port = match.group(1)
            break
    if not port:
        raise SystemExit("server did not start")
    threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
    return process, f"http://127.0.0.1:{port}"


async def load(base: str, paths: list[str], clients: int) -> tuple[float, list[float], int]:
    """Fetch every path with ``clients`` concurrent clients: wall, latencies, failures."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=600) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                path = queue.get_nowait()
                began = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - began)
                failures += response.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - began, latencies, failures


def report(name: str, wall: float, latencies: list[float], failures: int) -> None:
    quantiles = statistics.quantiles(latencies, n=20)
    print(
        f"{name:<34} {len(latencies) / wall:8.1f} req/s   p50 {quantiles[9] * 1000:7.1f} ms"
        f"   p95 {quantiles[18] * 1000:7.1f} ms   failures {failures}"
    )


def rss_mb(pid: int) -> float:
    """Resident MB of a process and its children."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return total / 1024


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--cached-requests", type=int, default=2000)
    parser.add_argument("--soak", type=int, default=10000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    slugs = make_roles(work / "roles", args.roles)

    print(f"# {args.roles} roles, {args.jobs} workers, {args.clients} concurrent clients")
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "exporter", "batch", str(work / "roles"), "--out",
         str(work / "dist"), "--jobs", str(args.jobs), "-q"],
        check=True, cwd=ROOT,
    )  # fmt: skip
    batch = time.perf_counter() - began
    print(f"exporter batch --jobs {args.jobs}: {batch:.2f} s, {batch / args.roles:.3f} s per role")

    service, url = start(
        [sys.executable, "-m", "exporter", "serve", str(work / "roles"), "--port", "0",
         "--cache", str(work / "cache"), "--jobs", str(args.jobs), "--queue", "100"],
        _LISTENING,
    )  # fmt: skip
    try:
        while httpx.get(url + "/readyz").status_code != 200:
            time.sleep(0.2)
        wall, latencies, failures = asyncio.run(
            load(url, [f"/roles/{slug}.pdf" for slug in slugs], args.clients)
        )
        report("serve, uncached (one render each)", wall, latencies, failures)
        print(f"  {wall / args.roles:.3f} s per role; batch/serve ratio {batch / wall:.2f}")

        cached = [f"/roles/{slugs[i % len(slugs)]}.pdf" for i in range(args.cached_requests)]
        report("serve, cached", *asyncio.run(load(url, cached, args.clients)))

        static, static_url = start(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
             "--directory", str(work / "dist")],
            re.compile(r"port (\d+)"),
        )  # fmt: skip
        try:
            files = [f"/{slugs[i % len(slugs)]}.pdf" for i in range(args.cached_requests)]
            report("python -m http.server, same files", *asyncio.run(load(static_url, files, 50)))
        finally:
            static.terminate()
            static.wait()

        print(f"# memory over {args.soak:,} cached requests (MB, service and workers)")
        samples = [rss_mb(service.pid)]
        step = 1000
        for _ in range(args.soak // step):
            batch_paths = [f"/roles/{slugs[i % len(slugs)]}.docx" for i in range(step)]
            _, _, failed = asyncio.run(load(url, batch_paths, args.clients))
            assert failed == 0
            samples.append(rss_mb(service.pid))
        print("  " + " ".join(f"{mb:.0f}" for mb in samples))
        print(f"  growth after the first 1,000: {samples[-1] - samples[1]:+.1f} MB")
    finally:
        service.terminate()
        print(f"service exit status after SIGTERM: {service.wait()}")


if __name__ == "__main__":
    main()
