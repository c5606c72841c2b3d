"""The DOCX, read back with python-docx: styles, fields, properties, pictures."""

from __future__ import annotations

import datetime as dt

from docx.oxml.ns import qn

from exporter import api
from tests.readback import docx_document, docx_field_instructions, docx_headings, docx_text
from tests.seed_facts import SEED_FACTS, seed_headings


def test_section_titles_use_heading_styles(role, docx_bytes):
    assert docx_headings(docx_bytes) == [*seed_headings(role.role, role.country), "Methodology"]


def test_docx_text_carries_the_page_facts(role, docx_bytes):
    facts = SEED_FACTS[role.slug]
    text = docx_text(docx_bytes)
    for value in (
        facts["role"],
        facts["country"],
        facts["current"],
        facts["projected"],
        f"Based on {facts['data_points']} data points",
    ):
        assert value in text
    for item in role.checklist:
        assert f"{item.label}:" in text
    assert ("Small sample" in text) == facts["small_sample"]


def test_every_paragraph_uses_a_named_style(docx_bytes):
    document = docx_document(docx_bytes)
    used = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Body Text", "List Bullet", "Callout"} <= used
    assert "Normal" not in used  # nothing left unstyled in the body
    assert {t.style.name for t in document.tables} == {"Report Table"}


def test_bold_terms_are_bold_runs(role, docx_bytes):
    document = docx_document(docx_bytes)
    bold = {r.text for p in document.paragraphs for r in p.runs if r.bold}
    assert role.skills.top in bold


def test_footer_has_page_and_numpages_fields(docx_bytes):
    footer = docx_document(docx_bytes).sections[0].footer
    assert docx_field_instructions(footer._element) == ["PAGE", "NUMPAGES"]
    assert "Page" in footer.paragraphs[0].text


def test_core_properties_come_from_the_data(role, docx_bytes):
    props = docx_document(docx_bytes).core_properties
    assert props.title == f"Market Intelligence: {role.role} in {role.country}"
    assert props.author == "Market Intelligence Research"
    assert role.role in props.subject
    assert role.country in props.keywords
    assert props.created == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert props.modified == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert props.language == "en-CA"


def test_chart_picture_has_alt_text(role, docx_bytes):
    document = docx_document(docx_bytes)
    assert len(document.inline_shapes) == 1
    doc_pr = document.inline_shapes[0]._inline.docPr
    assert doc_pr.get("descr").startswith(f"Bar chart of {role.role} salaries")
    assert SEED_FACTS[role.slug]["projected"] in doc_pr.get("descr")


def test_document_language_is_set(docx_bytes):
    styles = docx_document(docx_bytes).styles.element
    lang = (
        styles.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:lang"))
    )
    assert lang.get(qn("w:val")) == "en-CA"


def test_same_input_gives_same_bytes(role):
    assert api.render_docx(role) == api.render_docx(role)
