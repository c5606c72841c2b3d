"""Benchmark ``exporter batch --dask`` against the local pool, in one run (a script, not a test).

It measures:

- ``render``: the same N synthetic roles (``bench/batch_bench.py``'s generator),
  both formats, on the local process pool and on a ``LocalCluster`` with as many
  worker processes, alternated and repeated; the best time of each and their ratio;
- ``overhead``: M tiny roles through a trivial renderer (the batch's ``render``
  seam: a few bytes, no WeasyPrint) on both, so the time per role is the
  pipeline's: planning, submitting, the round trip through the scheduler,
  writing; the difference per role is what Dask adds per task;
- ``memory``: the client's peak RSS for 1,000 and 10,000 tiny roles on Dask, each
  in a fresh process (the pool keeps at most 2 × workers tasks in flight, so it
  should stay flat).

    .venv/bin/python bench/dask_bench.py --roles 40 --workers 2 > dask-bench.txt 2>&1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_bench import SECTION_NAMES, generate


def tiny(role: Any, fmt: Any, options: Any) -> bytes:
    """A renderer that does no rendering: what remains is the pipeline's cost."""
    return b"tiny " + role.slug.encode()


def tiny_roles(folder: Path, count: int) -> None:
    """``count`` small valid role files (a sentence per section)."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = {name: "A short paragraph." for name in SECTION_NAMES}
    for index in range(count):
        data = {
            "schema_version": 1,
            "role": f"Engineer {index}",
            "country": "Canada",
            "updated": "2026-01",
            "data_points": 100,
            "salary": {"currency": "CAD", "current_average": 100000, "projected": 105000},
            "skills": {"top": "Python", "premium": ["SQL"]},
            "certifications": {"key": "CKA", "secondary": []},
            "sections": {**sections, "required_skills": ""},
            "checklist": [{"label": "Market Positioning", "text": "Keep going."}],
        }
        (folder / f"role-{index:05}.json").write_text(json.dumps(data), encoding="utf-8")


def run(roles: Path, out: Path, workers: int, dask: bool, **options: Any) -> float:
    """Wall seconds of one full batch into a fresh ``out``, on the pool or on Dask."""
    from exporter.batch.distributed import dask_cluster
    from exporter.batch.run import run_batch
    from exporter.engine.settings import Settings as RenderSettings
    from exporter.model.rolefile import role_files

    paths = role_files(roles)
    settings = options.pop("settings", RenderSettings())
    if not dask:
        started = time.perf_counter()
        report = run_batch(paths, out, settings, jobs=workers, **options)
        seconds = time.perf_counter() - started
    else:
        started = time.perf_counter()  # the cluster's start is part of the batch, as the pool's
        with dask_cluster("local", workers) as cluster:
            report = run_batch(
                paths,
                out,
                settings,
                jobs=cluster.workers,
                executor_factory=cluster.factory,
                **options,
            )
            seconds = time.perf_counter() - started
    assert report.ok and report.rendered == len(paths), report.summary()
    return seconds


def client_memory(count: int, workers: int) -> None:
    """Child mode: a batch of ``count`` tiny roles on Dask; prints the client's RSS in MB."""
    from exporter.engine.settings import Settings as RenderSettings

    with tempfile.TemporaryDirectory() as work:
        roles = Path(work) / "roles"
        tiny_roles(roles, count)
        before = _rss_mb("VmRSS")
        seconds = run(
            roles,
            Path(work) / "out",
            workers,
            True,
            settings=RenderSettings(formats=("docx",)),
            render=tiny,
        )
        after, peak = _rss_mb("VmRSS"), _rss_mb("VmHWM")
    figures = {"roles": count, "before_mb": before, "after_mb": after, "peak_mb": peak}
    print(json.dumps({**figures, "seconds": seconds}))


def _rss_mb(field: str) -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=40, help="synthetic roles to render")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, best kept")
    parser.add_argument("--tiny", type=int, default=2000, help="roles for the overhead")
    parser.add_argument("--memory", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--only-memory", action="store_true", help="skip render and overhead")
    parser.add_argument("--client-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_memory:
        client_memory(args.client_memory, args.workers)
        return
    if not args.only_memory:
        compare(args)
    memory(args)


def compare(args: argparse.Namespace) -> None:
    """The same roles on the pool and on Dask; then the pipeline's cost per tiny role."""
    from exporter.engine.settings import Settings as RenderSettings

    with tempfile.TemporaryDirectory() as work:
        base = Path(work)
        generate(base / "roles", args.roles, seed=12)
        times: dict[str, list[float]] = {"pool": [], "dask": []}
        for attempt in range(args.repeat):
            for name in ("pool", "dask"):
                out = base / f"{name}-{attempt}"
                times[name].append(run(base / "roles", out, args.workers, name == "dask"))
                print(f"render {name} run {attempt + 1}: {times[name][-1]:.1f} s", flush=True)
        pool, dask = min(times["pool"]), min(times["dask"])
        print(
            f"render: {args.roles} roles, {args.workers} workers: pool {pool:.1f} s, "
            f"dask {dask:.1f} s, dask/pool {dask / pool:.2f}x",
            flush=True,
        )

        tiny_roles(base / "tiny", args.tiny)
        docx = RenderSettings(formats=("docx",))
        per_task = {}
        for name in ("pool", "dask"):
            seconds = run(
                base / "tiny",
                base / f"tiny-{name}",
                args.workers,
                name == "dask",
                settings=docx,
                render=tiny,
            )
            per_task[name] = seconds / args.tiny * 1000
            print(f"overhead {name}: {args.tiny} tiny roles in {seconds:.1f} s", flush=True)
        print(
            f"overhead per role: pool {per_task['pool']:.2f} ms, dask {per_task['dask']:.2f} ms, "
            f"dask adds {per_task['dask'] - per_task['pool']:.2f} ms per task",
            flush=True,
        )


def memory(args: argparse.Namespace) -> None:
    """The client's memory for each size, each batch in a fresh process."""
    for count in args.memory:
        child = subprocess.run(
            [sys.executable, __file__, "--client-memory", str(count), "--workers", "2"],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"client memory, {count} tiny roles on dask: RSS {figures['before_mb']:.0f} MB before "
            f"the batch, {figures['after_mb']:.0f} MB after, peak {figures['peak_mb']:.0f} MB "
            f"({figures['seconds']:.1f} s, {figures['seconds'] / count * 1000:.2f} ms per role)",
            flush=True,
        )


if __name__ == "__main__":
    main()
