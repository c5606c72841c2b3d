"""Property: any role data either renders to a valid PDF and DOCX or is an ExporterError.

Arbitrary Unicode (surrogates, controls, right-to-left text, combining marks,
characters no font has) goes into every text field and arbitrary JSON values
into every number field. Nothing else may come out: no bare ValueError from
python-docx, no UnicodeEncodeError, no crash in formatting or layout.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import docx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from exporter import api
from exporter.errors import ExporterError
from exporter.model.currency import salary_limit
from exporter.model.role import Sections
from exporter.model.rolefile import decode_role

# Any code point at all, surrogates and controls included.
ANY_CHAR = st.characters(exclude_categories=())
# Anything the character policy lets through: letters of every script, marks, symbols,
# private use, unassigned code points, invisible format characters (those are removed).
ALLOWED_CHAR = st.characters(exclude_categories=("Cs", "Cc"))

SECTIONS = tuple(Sections.model_fields)
COUNTRIES = ["Canada", "Germany", "Japan", "India", "Brazil", "Israel", "Saudi Arabia", "Türkiye"]

#: Whatever JSON can hold where a number belongs.
ANY_NUMBER = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=6),
)

pytestmark = pytest.mark.slow


def text(max_size: int, wild: bool) -> st.SearchStrategy[str]:
    if wild:
        return st.text(ANY_CHAR, max_size=max_size)
    return st.text(ALLOWED_CHAR, min_size=1, max_size=max_size).filter(str.strip)


def prose(wild: bool, min_paragraphs: int = 0) -> st.SearchStrategy[str]:
    return st.lists(text(120, wild), min_size=min_paragraphs, max_size=3).map("\n\n".join)


#: Kept modest so the suite stays fast; raise it to hunt (HYPOTHESIS_EXAMPLES=500 pytest ...).
MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "40"))


@st.composite
def salaries(draw: st.DrawFn, wild: bool) -> dict[str, Any]:
    # Real codes of small- and large-unit currencies, and codes that are no currency.
    currency = draw(st.sampled_from(["CAD", "EUR", "JPY", "INR", "VND", "KWD", "XXX", "ZZZ"]))
    if wild:
        return {
            "currency": currency,
            "current_average": draw(ANY_NUMBER),
            "projected": draw(ANY_NUMBER),
        }
    limit = int(salary_limit(currency))
    current = draw(st.one_of(st.integers(1, limit), st.floats(1, limit)))
    projected = min(max(current * draw(st.floats(0.1, 10)), 1), limit)
    return {"currency": currency, "current_average": current, "projected": projected}


@st.composite
def role_data(draw: st.DrawFn) -> dict[str, Any]:
    """A role object: either every field plausible, or every field arbitrary ("wild")."""
    wild = draw(st.booleans())

    def t(max_size: int) -> str:
        return draw(text(max_size, wild))

    def texts(max_size: int, count: int) -> list[str]:
        return draw(st.lists(text(max_size, wild), max_size=count))

    return {
        "schema_version": draw(ANY_NUMBER) if wild else 1,
        "role": t(80),
        "country": draw(
            st.one_of(st.sampled_from(COUNTRIES), text(20, wild))
            if wild
            else st.sampled_from(COUNTRIES)
        ),
        "practice_area": draw(st.one_of(st.none(), text(80, wild))),
        "updated": draw(st.sampled_from(["2026-04", "1900-01", "9999-12"])),
        "data_points": draw(ANY_NUMBER if wild else st.integers(1, 1_000_000_000)),
        "salary": draw(salaries(wild)),
        "skills": {"top": t(60), "premium": texts(60, 4)},
        "certifications": {"key": t(60), "secondary": texts(60, 3)},
        "sections": {name: draw(prose(wild)) for name in SECTIONS},
        "checklist": [
            {"label": t(40), "text": draw(prose(wild, min_paragraphs=1))}
            for _ in range(draw(st.integers(0, 4)))
        ],
    }


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_data())
def test_any_role_data_renders_or_is_an_exporter_error(data: dict[str, Any]) -> None:
    raw = json.dumps(data).encode("utf-8")  # \uXXXX escapes carry surrogates through
    try:
        role = decode_role(raw, "role.json").role
        pdf = api.render_pdf(role)
        docx_bytes = api.render_docx(role)
    except ExporterError as exc:
        assert str(exc).startswith("role.json: ")
        event("rejected")
        return
    event("rendered")
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    document = docx.Document(io.BytesIO(docx_bytes))
    assert document.paragraphs
