"""How close the exporter runs to its engines, measured side by side in one run (not a test).

Each line prints the exporter's figure, the reference beside it, and the ratio:

- ``render_pdf`` (warm) against bare WeasyPrint writing a comparable plain report
  of the same page count (:mod:`plain_report`: the same sections, a table, an SVG
  chart, running header, "Page X of Y", DejaVu Sans, tagged PDF/UA-1, one parsed
  stylesheet and font configuration): the cost of the design (target <= 1.6x);
- ``render_pdf`` (warm) against bare WeasyPrint writing the same HTML and CSS
  (one reused FontConfiguration, parsed stylesheets, the same tagged PDF/UA-1
  options, the contents' numbers already in the HTML): the wrapper's cost;
- ``render_docx`` (warm) against bare python-docx building a comparable document
  (the same headings, paragraphs, tables and picture, saved to memory);
- the ``exporter render ROLE --format pdf`` command against the ``weasyprint``
  command on the plain report's page (target <= 1.3x) and on the same HTML and
  CSS (whole processes, best of N);
- the first ``exporter render`` with an empty ``XDG_CACHE_HOME`` against the second.

Times are the best of N on a shared 2-core machine: compare ratios, not seconds;
the load average is printed with each figure.

    .venv/bin/python bench/speed_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
ROLE = ROOT / "fixtures" / "roles" / "machine-learning-lead-canada.json"
BIN = Path(sys.executable).parent


def best(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def line(name: str, ours: float, reference: float, ref_name: str) -> None:
    print(
        f"{name:34s} {ours * 1000:8.0f} ms   {ref_name:34s} {reference * 1000:8.0f} ms"
        f"   ratio {ours / reference:5.2f}x   (load {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def _setup() -> tuple[object, object, object]:
    from exporter import api
    from exporter.model.rolefile import load_role

    role = load_role(ROLE)
    brand = api.default_brand()
    return role, brand, api.report_for(role, brand)


def interleaved(*funcs: Callable[[], object], runs: int) -> list[float]:
    """Best of ``runs`` each, alternating, so load on the machine hits all alike."""
    for func in funcs:
        func()  # warm
    bests = [float("inf")] * len(funcs)
    for _ in range(runs):
        for index, func in enumerate(funcs):
            bests[index] = min(bests[index], best(func, 1))
    return bests


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def plain_page(report: object, pages: int) -> tuple[object, str]:
    """The plain renderer and the plain report's HTML, as many pages as ``pages``."""
    from plain_report import PlainRenderer, fitted

    plain = PlainRenderer()
    return plain, fitted(plain, report, pages)


def pdf(runs: int) -> None:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from exporter import api
    from exporter.render.pdf.css import brand_css
    from exporter.resources import STYLES_DIR, TEMPLATES_DIR

    role, brand, report = _setup()
    writer = api.writer("pdf", brand, api.PdfOptions())
    html = writer.html(report, writer.section_pages(report))  # the numbers as text
    fonts = FontConfiguration()
    sheets = [
        CSS(filename=str(STYLES_DIR / "report.css"), font_config=fonts),
        CSS(string=brand_css(brand), base_url=str(STYLES_DIR) + "/", font_config=fonts),
    ]

    def bare_pdf() -> bytes:
        pdf: bytes = HTML(string=html, base_url=str(TEMPLATES_DIR) + "/").write_pdf(
            stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1", pdf_tags=True
        )
        return pdf

    pages = _page_count(api.render_pdf(role))
    plain, page = plain_page(report, pages)
    assert _page_count(plain.pdf(page)) == pages  # type: ignore[attr-defined]
    ours, bare, reference = interleaved(
        lambda: api.render_pdf(role), bare_pdf, lambda: plain.pdf(page), runs=runs
    )  # type: ignore[attr-defined]
    line("render_pdf (warm)", ours, reference, f"plain report, {pages} pages")
    line("render_pdf (warm)", ours, bare, "bare WeasyPrint, same HTML+CSS")


def bare_docx_builder(report: object, picture: bytes) -> Callable[[], bytes]:
    """Bare python-docx building the report's headings, paragraphs, tables and picture."""
    from docx import Document
    from docx.shared import Mm

    from exporter.report.outline import Chart, Paragraph, Table

    def bare_docx() -> bytes:
        document = Document()
        document.add_paragraph(report.title, style="Title")
        for section in report.sections:
            document.add_heading(section.title, level=1)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    paragraph = document.add_paragraph()
                    for run in block.runs:
                        paragraph.add_run(run.text).bold = run.bold or None
                elif isinstance(block, Table):
                    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
                    for column, text in enumerate(block.header):
                        table.cell(0, column).text = text
                    for row_index, row in enumerate(block.rows, start=1):
                        for column, text in enumerate(row):
                            table.cell(row_index, column).text = text
                elif isinstance(block, Chart):
                    document.add_picture(io.BytesIO(picture), width=Mm(130))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    return bare_docx


def docx(runs: int) -> None:
    from exporter import api
    from exporter.render.docx import chart_png
    from exporter.report.outline import Chart

    role, brand, report = _setup()
    picture = next(
        chart_png.png(b, brand) for s in report.sections for b in s.blocks if isinstance(b, Chart)
    )
    ours, bare = interleaved(
        lambda: api.render_docx(role), bare_docx_builder(report, picture), runs=runs
    )
    line("render_docx (warm)", ours, bare, "bare python-docx, same content")


def commands(runs: int) -> None:
    from plain_report import PLAIN_CSS

    from exporter import api
    from exporter.model.rolefile import load_role
    from exporter.render.pdf.css import brand_css
    from exporter.resources import STYLES_DIR

    role = load_role(ROLE)
    brand = api.default_brand()
    report = api.report_for(role, brand)
    writer = api.writer("pdf", brand, api.PdfOptions())
    html = writer.html(report, writer.section_pages(report))  # the numbers as text
    _, plain = plain_page(report, _page_count(api.render_pdf(role)))
    with tempfile.TemporaryDirectory(prefix="speed-bench-") as tmp:
        folder = Path(tmp)
        page = folder / "page.html"
        page.write_text(html, encoding="utf-8")
        (folder / "plain.html").write_text(plain, encoding="utf-8")
        (folder / "plain.css").write_text(PLAIN_CSS, encoding="utf-8")
        (folder / "brand.css").write_text(brand_css(brand), encoding="utf-8")
        exporter_cmd = [str(BIN / "exporter"), "render", str(ROLE), "--format", "pdf"]
        exporter_cmd += ["--out", str(folder / "out")]
        weasy_cmd = [str(BIN / "weasyprint"), "-s", str(STYLES_DIR / "report.css")]
        weasy_cmd += ["-s", str(folder / "brand.css"), "--pdf-variant", "pdf/ua-1"]
        weasy_cmd += ["--pdf-tags", str(page), str(folder / "w.pdf")]
        plain_cmd = [str(BIN / "weasyprint"), "-s", str(folder / "plain.css")]
        plain_cmd += ["--pdf-variant", "pdf/ua-1", "--pdf-tags"]
        plain_cmd += [str(folder / "plain.html"), str(folder / "p.pdf")]

        def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
            subprocess.run(cmd, check=True, capture_output=True, env=env)

        ours, bare, reference = interleaved(
            lambda: run(exporter_cmd), lambda: run(weasy_cmd), lambda: run(plain_cmd), runs=runs
        )
        line("exporter render --format pdf", ours, reference, "weasyprint command, plain page")
        line("exporter render --format pdf", ours, bare, "weasyprint command, same page")

        cache = folder / "cache"
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        first = best(lambda: run(exporter_cmd, env), 1)
        second = best(lambda: run(exporter_cmd, env), 1)
        made: dict[str, int] = {}
        for path in cache.rglob("*") if cache.exists() else ():
            if path.is_file():
                folder = str(path.parent.relative_to(cache))
                made[folder] = made.get(folder, 0) + 1
        line("first run, empty XDG_CACHE_HOME", first, second, "second run")
        left = ", ".join(f"{folder}: {count} files" for folder, count in sorted(made.items()))
        print(f"{'':34s} left in the empty cache: {left or 'nothing'}")


def _commands(runs: int) -> None:
    commands(max(3, runs // 2))


def _batch(runs: int) -> None:
    from worker_figures import batch

    batch(BATCH_ROLES)


#: Roles in the batch figures (``--batch-roles``).
BATCH_ROLES = 500

FIGURES: dict[str, Callable[[int], None]] = {
    "pdf": pdf,
    "docx": docx,
    "commands": _commands,
    "batch": _batch,
}


def main() -> None:
    global BATCH_ROLES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=sorted(FIGURES), action="append", help="repeatable")
    parser.add_argument("--batch-roles", type=int, default=BATCH_ROLES, help="default 500")
    args = parser.parse_args()
    BATCH_ROLES = args.batch_roles
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, best of {args.runs}")
    for name in args.only or FIGURES:
        FIGURES[name](args.runs)


if __name__ == "__main__":
    main()
