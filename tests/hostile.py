"""Helpers for hostile-input tests: role data to tamper with, and deep reads of the outputs."""

from __future__ import annotations

import copy
import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject

from exporter.model.role import Sections
from tests.conftest import ROLES_DIR

BASE_ROLE = ROLES_DIR / "lead-backend-specialist-canada.json"

FieldPath = tuple[str | int, ...]

#: Every field of a role that holds free text, as a path into the JSON object.
ONE_LINE_FIELDS: tuple[FieldPath, ...] = (
    ("role",),
    ("practice_area",),
    ("skills", "top"),
    ("skills", "premium", 0),
    ("certifications", "key"),
    ("certifications", "secondary", 0),
    ("checklist", 0, "label"),
)
PROSE_FIELDS: tuple[FieldPath, ...] = (
    *(("sections", name) for name in Sections.model_fields),
    ("checklist", 0, "text"),
)
TEXT_FIELDS = ONE_LINE_FIELDS + PROSE_FIELDS

#: Every field that holds a number.
NUMBER_FIELDS: tuple[FieldPath, ...] = (
    ("salary", "current_average"),
    ("salary", "projected"),
    ("data_points",),
    ("schema_version",),
)


def dotted(path: FieldPath) -> str:
    return ".".join(str(part) for part in path)


def base_data() -> dict[str, Any]:
    """A valid role, with one secondary certification so that list can be tampered with."""
    data: dict[str, Any] = json.loads(BASE_ROLE.read_text(encoding="utf-8"))
    data["certifications"]["secondary"] = ["Kubernetes Administrator"]
    return copy.deepcopy(data)


def set_field(data: dict[str, Any], path: FieldPath, value: Any) -> dict[str, Any]:
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def with_text(value: str, fields: tuple[FieldPath, ...] = TEXT_FIELDS) -> dict[str, Any]:
    data = base_data()
    for path in fields:
        set_field(data, path, value)
    return data


def squash(text: str) -> str:
    """Text without any whitespace: line breaks fall in different places in each format."""
    return re.sub(r"\s+", "", text)


# The PDF, every object of it


def pdf_objects(data: bytes) -> Iterator[Any]:
    """Every object of a PDF, resolved."""
    reader = PdfReader(io.BytesIO(data))
    size = int(reader.trailer["/Size"])
    for number in range(1, size):
        try:
            obj = reader.get_object(IndirectObject(number, 0, reader))
        except Exception:  # free entries in the cross-reference table
            continue
        if obj is not None:
            yield obj


def pdf_all_bytes(data: bytes) -> bytes:
    """The PDF with every stream decompressed: what any reader could extract from it."""
    parts = [data]
    for obj in pdf_objects(data):
        if isinstance(obj, StreamObject):
            try:
                parts.append(obj.get_data())
            except Exception:  # a stream pypdf cannot decode stays in its raw form
                parts.append(obj._data)
    return b"\n".join(parts)


def pdf_attachments(data: bytes) -> dict[str, list[bytes]]:
    return dict(PdfReader(io.BytesIO(data)).attachments)


def pdf_link_targets(data: bytes) -> list[str]:
    """Every link annotation's target: a URI, or ``#dest`` for a link inside the document."""
    targets = []
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            subtype = annot.get("/Subtype")
            if subtype == "/Link":
                action = annot.get("/A")
                action = action.get_object() if action is not None else {}
                if "/URI" in action:
                    targets.append(str(action["/URI"]))
                elif "/Dest" in annot or action.get("/S") == "/GoTo":
                    targets.append("#internal")
                else:
                    targets.append(f"action:{action.get('/S')}")
            elif subtype is not None and subtype != "/Widget":
                targets.append(f"annotation:{subtype}")
    return targets


def pdf_dangerous_names(data: bytes) -> list[str]:
    """PDF features that embed, launch or run anything."""
    raw = pdf_all_bytes(data)
    names = (b"/EmbeddedFile", b"/FileAttachment", b"/Launch", b"/JavaScript", b"/JS", b"/GoToR")
    return [name.decode() for name in names if re.search(re.escape(name) + rb"[^A-Za-z]", raw)]


# The DOCX, every part of it


def docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_external_targets(data: bytes) -> list[str]:
    """Targets of relationships that point outside the package (links, linked images...)."""
    found = []
    for name, content in docx_parts(data).items():
        if name.endswith(".rels"):
            for match in re.finditer(rb"<Relationship [^>]*>", content):
                tag = match.group().decode()
                if 'TargetMode="External"' in tag:
                    found.append(re.search(r'Target="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
    return found


def docx_all_bytes(data: bytes) -> bytes:
    return b"\n".join(docx_parts(data).values())


def link_is_safe(target: str) -> bool:
    return target == "#internal" or urlsplit(target).scheme in ("http", "https", "mailto")


# A loopback server that records every request it gets


@dataclass
class Loopback:
    url: str
    requests: list[str] = field(default_factory=list)


@contextmanager
def loopback_server() -> Iterator[Loopback]:
    """An HTTP server on 127.0.0.1 recording the path of every request made to it."""
    record = Loopback("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.requests.append(self.path)
            body = b"LOOPBACK-BODY"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
