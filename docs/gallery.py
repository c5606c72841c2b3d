"""Render page images of one role in both formats into docs/gallery/ (run from the repo root).

    .venv/bin/python docs/gallery.py [ROLE_FILE]

Needs pdftoppm (poppler-utils) and soffice (LibreOffice): `bash .ci/setup --test`
installs both. The DOCX pages are LibreOffice's rendering, as a Word user's
other tools would show it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from exporter import load_role, render_docx, render_pdf
from exporter.api import RenderOptions, render_overview

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "gallery"
DEFAULT_ROLE = ROOT / "fixtures" / "roles" / "machine-learning-lead-canada.json"
DPI = "40"  # small pictures: enough to compare the two formats at a glance


def pages(pdf: Path, prefix: str) -> list[str]:
    """PNG pages of a PDF, as file names in the gallery folder."""
    subprocess.run(["pdftoppm", "-r", DPI, "-png", str(pdf), str(OUT / prefix)], check=True)
    names = sorted(p.name for p in OUT.glob(f"{prefix}-*.png"))
    for name in names:  # 64 colours are plenty for these pages, at a third of the size
        with Image.open(OUT / name) as image:
            small = image.convert("RGB").quantize(64, dither=Image.Dither.NONE)
        small.save(OUT / name, optimize=True)
    return names


def libreoffice(docx: Path, folder: Path) -> Path:
    """LibreOffice's PDF of a DOCX (in ``folder``/lo)."""
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "lo"),
            str(docx),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "lo" / f"{docx.stem}.pdf"


def table(pdf_pages: list[str], docx_pages: list[str]) -> list[str]:
    """Markdown rows: PDF pages left, DOCX pages right."""
    lines = ["| PDF | DOCX (LibreOffice) |", "| --- | --- |"]
    for index in range(max(len(pdf_pages), len(docx_pages))):
        left = (
            f"![PDF page {index + 1}](gallery/{pdf_pages[index]})" if index < len(pdf_pages) else ""
        )
        right = (
            f"![DOCX page {index + 1}](gallery/{docx_pages[index]})"
            if index < len(docx_pages)
            else ""
        )
        lines.append(f"| {left} | {right} |")
    return lines


def main() -> None:
    role_file = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROLE
    role = load_role(role_file)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        pdf = folder / f"{role.slug}.pdf"
        pdf.write_bytes(render_pdf(role))
        docx = folder / f"{role.slug}.docx"
        docx.write_bytes(render_docx(role))
        pdf_pages = pages(pdf, "pdf")
        docx_pages = pages(libreoffice(docx, folder), "docx")
        draft_pdf = folder / "draft.pdf"
        draft_pdf.write_bytes(render_pdf(role, watermark="DRAFT"))
        draft_docx = folder / "draft.docx"
        draft_docx.write_bytes(render_docx(role, watermark="DRAFT"))
        draft_pdf_pages = pages(draft_pdf, "draft-pdf")
        draft_docx_pages = pages(libreoffice(draft_docx, folder), "draft-docx")
        everyone = [load_role(path) for path in sorted(role_file.parent.glob("*.json"))]
        overview_pdf = folder / "overview.pdf"
        overview_pdf.write_bytes(render_overview(everyone, "pdf", RenderOptions()))
        overview_docx = folder / "overview.docx"
        overview_docx.write_bytes(render_overview(everyone, "docx", RenderOptions()))
        overview_pdf_pages = pages(overview_pdf, "overview-pdf")
        overview_docx_pages = pages(libreoffice(overview_docx, folder), "overview-docx")
    lines = [
        "# Gallery",
        "",
        f"{role.role} in {role.country}, made by `docs/gallery.py` from `{role_file.name}`.",
        "Left: the PDF (WeasyPrint). Right: the DOCX as LibreOffice renders it (its chart is",
        "the DOCX's native chart part, its font the IBM Plex Sans embedded in the DOCX).",
        "",
        "The DOCX is built on the PDF stylesheet's page size, margins, type sizes and exact",
        "line heights, and a layout of the report made the stylesheet's way gives it a page",
        "break where each PDF page starts and the contents' page numbers (PAGEREF fields,",
        "which Word and LibreOffice work out again). The band, the contents box and the",
        "key-figure cards are a Word shape and shaded tables, editable in Word.",
        "",
        *table(pdf_pages, docx_pages),
        "",
        "## With `--watermark DRAFT`",
        "",
        *table(draft_pdf_pages, draft_docx_pages),
        "",
        f"## The overview of every role in `{role_file.parent.name}/` (`exporter overview`)",
        "",
        *table(overview_pdf_pages, overview_docx_pages),
    ]
    (ROOT / "docs" / "gallery.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count = sum(
        map(
            len,
            (
                pdf_pages,
                docx_pages,
                draft_pdf_pages,
                draft_docx_pages,
                overview_pdf_pages,
                overview_docx_pages,
            ),
        )
    )
    print(f"wrote {count} page images to {OUT}")


if __name__ == "__main__":
    main()
