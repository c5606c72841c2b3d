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

from exporter import load_role, render_docx, render_pdf

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "gallery"
DEFAULT_ROLE = ROOT / "fixtures" / "roles" / "machine-learning-lead-canada.json"
DPI = "60"


def pages(pdf: Path, prefix: str) -> list[str]:
    """PNG pages of a PDF, as file names in the gallery folder."""
    subprocess.run(["pdftoppm", "-r", DPI, "-png", str(pdf), str(OUT / prefix)], check=True)
    return sorted(p.name for p in OUT.glob(f"{prefix}-*.png"))


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
        pdf_pages = pages(pdf, "pdf")
        docx_pages = pages(folder / "lo" / f"{role.slug}.pdf", "docx")
    lines = [
        "# Gallery",
        "",
        f"{role.role} in {role.country}, made by `docs/gallery.py` from `{role_file.name}`.",
        "Left: the PDF (WeasyPrint). Right: the DOCX as LibreOffice renders it.",
        "",
        "| PDF | DOCX (LibreOffice) |",
        "| --- | --- |",
    ]
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
    (ROOT / "docs" / "gallery.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(pdf_pages)} PDF and {len(docx_pages)} DOCX page images to {OUT}")


if __name__ == "__main__":
    main()
