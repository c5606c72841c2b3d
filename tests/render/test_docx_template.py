"""The reference document: generated from code, kept in styles/, replaceable by --docx-template."""

from __future__ import annotations

import io

import docx
import pytest
from docx.shared import RGBColor

from exporter import api
from exporter.cli import cli
from exporter.errors import BrandError
from exporter.render.docx.styles import BUNDLED_REFERENCE, REQUIRED_STYLES, reference_docx
from tests.conftest import ROLE_FILES
from tests.readback import docx_document, docx_headings


def test_bundled_reference_is_current():
    """styles/reference.docx is what the code generates (regenerate: exporter reference-docx)."""
    assert BUNDLED_REFERENCE.read_bytes() == reference_docx(api.default_brand())


def test_reference_holds_only_styles():
    document = docx.Document(str(BUNDLED_REFERENCE))
    assert document.paragraphs == [] or all(not p.text for p in document.paragraphs)
    assert document.tables == []
    names = {style.name for style in document.styles}
    assert set(REQUIRED_STYLES) <= names


def test_organisation_template_styles_are_used(role, tmp_path):
    document = docx.Document(str(BUNDLED_REFERENCE))
    document.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    document.styles["Body Text"].font.name = "Liberation Serif"
    template = tmp_path / "org.docx"
    document.save(template)
    out = docx_document(api.render_docx(role, template=template))
    assert str(out.styles["Heading 1"].font.color.rgb) == "123456"
    assert out.styles["Body Text"].font.name == "Liberation Serif"
    assert docx_headings(api.render_docx(role, template=template))[0] == "Market Overview"


def test_template_missing_styles_is_a_clear_error(role, tmp_path):
    template = tmp_path / "plain.docx"
    docx.Document().save(template)
    with pytest.raises(BrandError) as caught:
        api.render_docx(role, template=template)
    message = str(caught.value)
    assert message.startswith(f"{template}: DOCX template lacks the styles")
    assert "Callout" in message and "Report Table" in message


def test_cli_checks_template_before_rendering(runner, tmp_path):
    template = tmp_path / "notes.docx"
    template.write_text("not a zip", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["render", str(ROLE_FILES[0]), "--docx-template", str(template), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert f"error: {template}: not a valid DOCX template" in result.output
    assert not out.exists()


def test_reference_docx_command_writes_a_usable_template(runner, tmp_path):
    target = tmp_path / "mine.docx"
    result = runner.invoke(cli, ["reference-docx", str(target)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        [
            "render",
            str(ROLE_FILES[0]),
            "--format",
            "docx",
            "--docx-template",
            str(target),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = next(out.glob("*.docx")).read_bytes()
    assert docx.Document(io.BytesIO(data)).core_properties.title.startswith("Market Intelligence:")
