"""Read produced PDFs, DOCX files and HTML pages back the way a user's tools would."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """All page text, whitespace folded to single spaces."""
    reader = pdf_reader(data)
    return fold(" ".join(page.extract_text() or "" for page in reader.pages))


def pdf_bookmarks(data: bytes) -> list[str]:
    """Titles of the PDF outline (bookmarks), flattened in order."""
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(pdf_reader(data).outline)
    return titles


def pdf_structure(data: bytes) -> list[tuple[str, dict]]:
    """Every structure element of a tagged PDF as (role, attributes), in tree order."""
    found: list[tuple[str, dict]] = []

    def walk(node, depth: int = 0) -> None:
        node = node.get_object()
        if not hasattr(node, "get") or depth > 64:
            return
        if "/S" in node:
            found.append((str(node["/S"]), {k: node[k] for k in ("/Alt", "/A") if k in node}))
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object"):
                walk(kid, depth + 1)

    walk(pdf_reader(data).trailer["/Root"]["/StructTreeRoot"])
    return found


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def docx_document(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def docx_headings(data: bytes, level: int = 1) -> list[str]:
    document = docx_document(data)
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def docx_text(data: bytes) -> str:
    """Body paragraphs and table cells, in document order, whitespace folded."""
    document = docx_document(data)
    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            parts.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for cell_text in child.iter(qn("w:t")):
                parts.append(cell_text.text or "")
    return fold(" ".join(parts))


def docx_field_instructions(element) -> list[str]:
    """Instructions of complex and simple fields under an XML element."""
    instructions = [fold(t.text or "") for t in element.iter(qn("w:instrText"))]
    instructions += [fold(f.get(qn("w:instr"))) for f in element.iter(qn("w:fldSimple"))]
    return instructions


@dataclass(frozen=True)
class Tool:
    name: str

    def path(self) -> str:
        """The tool's path; skips the test on a laptop without it, fails in CI."""
        import os

        found = shutil.which(self.name)
        if found is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{self.name} is required in CI (installed by .ci/setup --test)")
            pytest.skip(f"{self.name} not installed (bash .ci/setup --test installs it)")
        return found

    def run(self, *args: str | Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.path(), *map(str, args)], capture_output=True, text=True, timeout=timeout
        )


def libreoffice_pdf(docx: bytes, folder: Path, name: str = "document") -> Path:
    """The PDF LibreOffice makes of a DOCX (a profile of its own under ``folder``)."""
    source = folder / f"{name}.docx"
    source.write_bytes(docx)
    result = Tool("soffice").run(
        f"-env:UserInstallation=file://{folder}/lo-profile",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        folder,
        source,
        timeout=240,
    )
    converted = folder / f"{name}.pdf"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def docx_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a DOCX package by its name in the zip."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None
