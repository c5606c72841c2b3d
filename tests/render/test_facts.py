"""The facts of the page, read back from both formats by the same checks.

Each test runs once per format: the PDF read with pypdf, the DOCX with python-docx
and its package parts. A reader per format turns a document into the same view
(text, section headings, document properties), so one assertion serves both.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

import pytest
from lxml import etree

from exporter import api
from exporter.model.role import Role
from tests.readback import (
    docx_document,
    docx_headings,
    docx_text,
    pdf_bookmarks,
    pdf_reader,
    pdf_text,
)
from tests.seed_facts import SEED_FACTS, seed_headings


@dataclass(frozen=True)
class View:
    """What a reader sees of a document, whatever its format."""

    text: str
    headings: list[str]
    title: str
    author: str
    subject: str
    keywords: str
    created: str  # ISO date
    language: str
    custom: dict[str, str]  # custom properties, names in lower case


def _pdf_view(data: bytes) -> View:
    reader = pdf_reader(data)
    info = reader.metadata
    created = str(info["/CreationDate"])[2:10]
    custom = {key[1:].lower(): str(value) for key, value in info.items()}
    return View(
        text=pdf_text(data),
        headings=pdf_bookmarks(data),
        title=info.title,
        author=info.author,
        subject=info.subject,
        keywords=str(info["/Keywords"]),
        created=f"{created[:4]}-{created[4:6]}-{created[6:]}",
        language=str(reader.trailer["/Root"]["/Lang"]),
        custom=custom,
    )


def _docx_view(data: bytes) -> View:
    props = docx_document(data).core_properties
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("docProps/custom.xml"))
    assert props.created == props.modified
    return View(
        text=docx_text(data),
        headings=docx_headings(data),
        title=props.title,
        author=props.author,
        subject=props.subject,
        keywords=props.keywords,
        created=props.created.date().isoformat(),
        language=props.language,
        custom={p.get("name").lower(): p[0].text for p in root},
    )


READERS = {"pdf": _pdf_view, "docx": _docx_view}
RENDER = {"pdf": api.render_pdf, "docx": api.render_docx}


@pytest.fixture(params=list(READERS))
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def view(fmt: str, role: Role, rendered: dict[str, tuple[bytes, bytes]]) -> View:
    pdf, docx = rendered[role.slug]
    return READERS[fmt](pdf if fmt == "pdf" else docx)


def test_text_carries_the_page_facts(role, view):
    facts = SEED_FACTS[role.slug]
    for value in (
        facts["role"],
        facts["country"],
        facts["current"],
        facts["projected"],
        f"Based on {facts['data_points']} data points",
        f"Updated {facts['updated']}",
    ):
        assert value in view.text
    for item in role.checklist:
        assert f"{item.label}:" in view.text


def test_small_sample_warning_is_shown_exactly_when_the_sample_is_small(role, view):
    assert ("Small sample" in view.text) == SEED_FACTS[role.slug]["small_sample"]


def test_sections_are_the_pages_sections_then_methodology(role, view):
    assert view.headings == [*seed_headings(role.role, role.country), "Methodology"]


def test_document_properties_come_from_the_data(role, view):
    assert view.title == f"Market Intelligence: {role.role} in {role.country}"
    assert view.author == "Market Intelligence Research"
    assert role.role in view.subject and SEED_FACTS[role.slug]["current"] in view.subject
    assert role.country in view.keywords
    assert view.created == dt.date(2026, 4, 1).isoformat() == role.updated_date.isoformat()
    assert view.language == "en-CA"


def test_custom_properties_name_the_role(role, view):
    assert view.custom["role"] == role.role
    assert view.custom["country"] == role.country
    assert view.custom["datadate"] == role.updated
    assert view.custom["datapoints"] == str(role.data_points)


def test_same_input_gives_same_bytes(fmt, role):
    assert RENDER[fmt](role) == RENDER[fmt](role)
