"""Batch figures for ``speed_bench.py``: page rate, a worker against a plain process, memory.

Imported by ``speed_bench.py --only batch`` (a script, not a test). Each figure is
measured in one run beside its reference:

- page rate: ``exporter batch --jobs 2`` (the command as a user runs it, both
  formats) against the bare renderers on plain reports of the same length in 2
  spawned processes (:mod:`plain_report`: bare WeasyPrint with one parsed
  stylesheet and font configuration, each plain PDF fitted to the page count the
  batch wrote for that role; bare python-docx building the same content); pages
  of PDF per second (target >= 0.5x, aim 0.8x); and the former reference, the
  bare renderers on the exporter's own HTML (the wrapper's cost);
- a worker against a plain process: the same jobs (``render_job``, both
  formats) in one batch worker process and in a plain spawned process without
  the batch machinery (no limits, no watchdog, no ``gc.freeze``), seconds per role;
- worker memory: the worker's peak RSS after role 100 and after the last role.
"""

from __future__ import annotations

import multiprocessing
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

EXPORTER = [sys.executable, "-m", "exporter"]


def _bare_init() -> None:
    global _BARE
    from batch_bench import bare_weasyprint

    from exporter.api import default_brand
    from exporter.render.docx.writer import DocxWriter
    from exporter.resources import TEMPLATES_DIR

    brand = default_brand()
    fetcher, fonts, sheets = bare_weasyprint(brand)
    _BARE = (fetcher, fonts, sheets, DocxWriter(brand), str(TEMPLATES_DIR) + "/")


_BARE: Any = None


def _bare_one(work: tuple[str, Any]) -> int:
    from weasyprint import HTML

    from exporter.engine.records import pdf_page_count
    from exporter.render.pdf.variants import DEFAULT_VARIANT

    page, report = work
    fetcher, fonts, sheets, writer, base = _BARE
    pdf = HTML(string=page, base_url=base, url_fetcher=fetcher).write_pdf(
        stylesheets=sheets, font_config=fonts, pdf_variant=DEFAULT_VARIANT
    )
    writer.render(report)
    return pdf_page_count(pdf) or 0


_PLAIN: Any = None


def _plain_init(picture: bytes) -> None:
    global _PLAIN
    from plain_report import PlainRenderer

    _PLAIN = (PlainRenderer(), picture)


def _plain_one(work: tuple[str, Any]) -> int:
    from speed_bench import bare_docx_builder

    from exporter.engine.records import pdf_page_count

    page, report = work
    plain, picture = _PLAIN
    pdf = plain.pdf(page)
    bare_docx_builder(report, picture)()
    return pdf_page_count(pdf) or 0


def plain_work(roles_dir: Path, batch_out: Path) -> tuple[list[Any], bytes]:
    """Plain reports as long as the batch's PDFs (pages from its manifest), a chart PNG."""
    import json

    from plain_report import PlainRenderer, fitted

    from exporter.api import default_brand, report_for
    from exporter.model.rolefile import load_role
    from exporter.render.docx import chart_png
    from exporter.report.outline import Chart

    brand = default_brand()
    manifest = json.loads((batch_out / "manifest.json").read_text(encoding="utf-8"))
    plain = PlainRenderer()
    work = []
    for entry in manifest["roles"]:
        report = report_for(load_role(roles_dir / entry["source"]), brand)
        work.append((fitted(plain, report, entry["outputs"]["pdf"]["pages"]), report))
    chart = next(b for s in work[0][1].sections for b in s.blocks if isinstance(b, Chart))
    return work, chart_png.png(chart, brand)


def plain_rate(work: list[Any], picture: bytes, processes: int) -> tuple[float, float, int]:
    """Wall and CPU seconds and PDF pages: bare renderers on plain reports, N processes."""
    started, cpu = time.perf_counter(), children_cpu()
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_plain_init, initargs=(picture,)) as pool:
        pages = sum(pool.map(_plain_one, work, chunksize=1))
    return time.perf_counter() - started, children_cpu() - cpu, pages


def page_rates(roles_dir: Path, out: Path, rounds: int = 2) -> None:
    """Print ``exporter batch --jobs 2``'s page rate against the bare renderers'.

    The batch and the bare renderers on plain reports take turns ``rounds`` times
    and the best of each counts, so load from other sessions falls on both alike.
    """
    import os
    import shutil

    from speed_bench import line

    ours_s = ours_cpu = plain_s = plain_cpu = float("inf")
    work: list[Any] = []
    for _ in range(rounds):
        shutil.rmtree(out, ignore_errors=True)
        seconds, cpu, ours_pages = batch_rate(roles_dir, out, 2)
        ours_s, ours_cpu = min(ours_s, seconds), min(ours_cpu, cpu)
        if not work:
            work, picture = plain_work(roles_dir, out)
        seconds, cpu, plain_pages = plain_rate(work, picture, 2)
        plain_s, plain_cpu = min(plain_s, seconds), min(plain_cpu, cpu)
    bare_s, _, bare_pages = bare_rate(roles_dir, 2)
    assert ours_pages == plain_pages == bare_pages, (ours_pages, plain_pages, bare_pages)
    roles = len(work)
    print(f"{'':34s} {roles} roles, {ours_pages} PDF pages (+ {roles} DOCX), best of {rounds}")
    line(
        "batch --jobs 2: s per 100 pages",
        100 * ours_s / ours_pages,
        100 * plain_s / plain_pages,
        "bare renderers, plain reports",
    )
    line(
        "batch --jobs 2: s per 100 pages",
        100 * ours_s / ours_pages,
        100 * bare_s / bare_pages,
        "bare renderers, exporter's HTML",
    )
    print(
        f"{'':34s} page rate {ours_pages / ours_s:.1f}/s against {plain_pages / plain_s:.1f}/s"
        f" on plain reports = {plain_s / ours_s:.2f}x of bare (target >= 0.5x, aim 0.8x);"
        f" {bare_pages / bare_s:.1f}/s on the exporter's HTML = {bare_s / ours_s:.2f}x"
    )
    line(
        "CPU s per 100 pages, all processes",
        100 * ours_cpu / ours_pages,
        100 * plain_cpu / plain_pages,
        "bare renderers, plain reports",
    )
    print(
        f"{'':34s} page rate by CPU time {plain_cpu / ours_cpu:.2f}x of bare"
        f" (less sensitive to other load); load average now {os.getloadavg()[0]:.1f}"
    )


def children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_rate(roles_dir: Path, processes: int) -> tuple[float, float, int]:
    """Wall and CPU seconds and PDF pages: the bare renderers in ``processes`` processes."""
    from exporter.api import default_brand, report_for
    from exporter.model.rolefile import load_role, role_files
    from exporter.render.pdf.writer import PdfWriter

    brand = default_brand()
    reports = [report_for(load_role(path), brand) for path in role_files(roles_dir)]
    writer = PdfWriter(brand)  # the exporter's HTML, contents' numbers as text
    work = [(writer.html(report, writer.section_pages(report)), report) for report in reports]
    started, cpu = time.perf_counter(), children_cpu()
    with multiprocessing.get_context("spawn").Pool(processes, initializer=_bare_init) as pool:
        pages = sum(pool.map(_bare_one, work, chunksize=1))
    return time.perf_counter() - started, children_cpu() - cpu, pages


def batch_rate(roles_dir: Path, out: Path, jobs: int) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``exporter batch --jobs N`` and the PDF pages it wrote."""
    import json

    command = [*EXPORTER, "batch", str(roles_dir), "--out", str(out), "--jobs", str(jobs)]
    started, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.run([*command, "--quiet"], capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    pages = sum(role["outputs"]["pdf"]["pages"] or 0 for role in manifest["roles"])
    return seconds, cpu, pages


def _jobs(roles_dir: Path) -> list[Any]:
    from exporter.engine.jobs import Job
    from exporter.engine.settings import Settings as RenderSettings
    from exporter.model.rolefile import load_role, role_files

    settings = RenderSettings()
    return [Job(load_role(path), path.name, "", settings) for path in role_files(roles_dir)]


def _plain(roles_dir: Path) -> list[float]:
    """In a plain process: ``render_job`` on every role, seconds each (first role warms)."""
    from exporter.engine.jobs import render_job

    times = []
    for job in _jobs(roles_dir):
        started = time.perf_counter()
        result = render_job(job)
        times.append(time.perf_counter() - started)
        assert result.error is None, result.error
    return times


def plain_process(roles_dir: Path) -> list[float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_plain, (roles_dir,))


def one_worker(roles_dir: Path) -> tuple[list[float], list[int]]:
    """In one batch worker (``run_jobs``, 1 process): seconds and peak RSS (KB) per role."""
    from exporter.engine.pool import run_jobs
    from exporter.engine.settings import Settings as RenderSettings

    jobs = _jobs(roles_dir)
    order = {job.source: index for index, job in enumerate(jobs)}
    seconds: list[float] = [0.0] * len(jobs)
    rss: list[int] = [0] * len(jobs)

    def on_result(result: Any) -> bool:
        assert result.error is None, result.error
        seconds[order[result.source]] = result.seconds
        rss[order[result.source]] = result.peak_rss_kb
        return True

    run_jobs(jobs, RenderSettings(), 1, on_result)
    return seconds, rss


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def batch(roles: int, seed: int = 20261122) -> None:
    """Print the batch figures for ``roles`` synthetic roles (see the module doc)."""
    import json
    import os
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from batch_bench import generate
    from speed_bench import line

    with tempfile.TemporaryDirectory(prefix="speed-bench-batch-") as temp:
        work = Path(temp)
        roles_dir = work / "roles"
        generate(roles_dir, roles, seed)
        page_rates(roles_dir, work / "out")
        # The plain process and the worker run at the same time, so load from other
        # sessions falls on both alike.
        plain = subprocess.Popen(
            [sys.executable, __file__, "plain", str(roles_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        worker_s, rss = one_worker(roles_dir)
        out, err = plain.communicate()
        if plain.returncode != 0:
            raise SystemExit(f"plain process failed: {err[-2000:]}")
        plain_s = json.loads(out)
        # The worker warmed up on a sample role before its clock; the plain process did not.
        line(
            "a role in a batch worker (median)",
            median(worker_s[1:]),
            median(plain_s[1:]),
            "the same in a plain process",
        )
        line(
            "a role in a batch worker (mean)",
            sum(worker_s[1:]) / (roles - 1),
            sum(plain_s[1:]) / (roles - 1),
            "the same in a plain process",
        )
        at = min(100, roles) - 1
        print(
            f"{'worker peak RSS, last role':34s} {rss[-1] / 1024:8.1f} MB   "
            f"{f'after role {at + 1}':34s} {rss[at] / 1024:8.1f} MB   "
            f"ratio {rss[-1] / rss[at]:5.2f}x (target <= 1.20x)"
        )
        print(f"{'':34s} load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__" and sys.argv[1:2] == ["plain"]:
    import json

    print(json.dumps(_plain(Path(sys.argv[2]))))
