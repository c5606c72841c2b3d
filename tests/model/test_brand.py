"""One brand file drives both formats; its mistakes are caught when it is loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exporter import api
from exporter.cli import cli
from exporter.errors import BrandError
from exporter.model.brand import load_brand
from exporter.render.pdf.css import brand_css
from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from tests.conftest import ROLES_DIR
from tests.readback import docx_document, pdf_reader


@pytest.fixture
def brand_dir(tmp_path: Path) -> Path:
    """A copy of the bundled brand and its files, to change."""
    for name in ("brand.toml", "logo.svg", "logo.png"):
        shutil.copy(STYLES_DIR / name, tmp_path / name)
    shutil.copytree(STYLES_DIR / "fonts", tmp_path / "fonts")
    return tmp_path


FONT_FILES = 'package = "exporter.styles.fonts"'


def _edit(brand_dir: Path, old: str, new: str) -> Path:
    path = brand_dir / "brand.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_bundled_brand_loads_its_static_fonts():
    brand = load_brand()
    assert {face.family for face in brand.faces} == {"IBM Plex Sans"}
    assert {face.weight_min for face in brand.faces} == {400, 700}
    assert not any(face.variable for face in brand.faces)
    assert {face.path.parent for face in brand.faces} == {STYLES_DIR / "fonts"}
    css = brand_css(brand)
    assert "@font-face" in css and "--brand-primary: #0b3d5c;" in css


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('primary = "#0b3d5c"', 'primary = "red; background: url(x)"', "colours.primary"),
        ('page_size = "A4"', 'page_size = "A3"', "page_size"),
        ('logo = "logo.svg"', 'logo = "missing.svg"', "logo: file"),
        ('logo = "logo.svg"', 'logo = "brand.toml"', "logo: 'brand.toml' must be one of"),
        (
            'website = "https://example.com/market-intelligence"',
            'website = "javascript:alert(1)"',
            "website",
        ),
        (FONT_FILES, 'package = "no_such_font_pkg"', "is not installed"),
        ('body = "IBM Plex Sans"', 'body = "Comic Sans"', "fonts.body: no [[fonts.source]]"),
        ('name = "Market Intelligence"', 'nmae = "x"', "nmae: Extra inputs are not permitted"),
    ],
    ids=[
        "colour",
        "page-size",
        "missing-logo",
        "logo-type",
        "website",
        "font-package",
        "font-family",
        "unknown-key",
    ],
)
def test_brand_mistakes_name_the_file_and_key(brand_dir, old, new, message):
    path = _edit(brand_dir, old, new)
    with pytest.raises(BrandError) as caught:
        load_brand(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_broken_font_file_is_caught_on_load(brand_dir):
    (brand_dir / "Broken.ttf").write_bytes(b"not a font at all")
    path = _edit(
        brand_dir,
        FONT_FILES,
        'files = ["Broken.ttf"]',
    )
    with pytest.raises(BrandError) as caught:
        load_brand(path)
    assert "fonts.source[0]" in str(caught.value)
    assert "Broken.ttf is not a readable font" in str(caught.value)


def test_invalid_toml_is_a_clear_error(brand_dir):
    path = brand_dir / "brand.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(BrandError, match="invalid TOML"):
        load_brand(path)


def test_brand_drives_both_formats(brand_dir, role):
    path = _edit(brand_dir, 'primary = "#0b3d5c"', 'primary = "#7a1f5c"')
    _edit(brand_dir, 'page_size = "A4"', 'page_size = "Letter"')
    _edit(brand_dir, 'name = "Market Intelligence"', 'name = "Acme Careers"')
    brand = load_brand(path)
    pdf = pdf_reader(api.render_pdf(role, brand))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert "Acme Careers" in pdf.pages[0].extract_text()
    document = docx_document(api.render_docx(role, brand))
    assert str(document.styles["Heading 1"].font.color.rgb) == "7A1F5C"
    assert round(document.sections[0].page_width.mm) == 216
    assert document.inline_shapes[0]._inline.docPr.get("descr") == "Acme Careers logo"


def test_cli_refuses_a_bad_brand_before_rendering(runner, brand_dir, tmp_path):
    path = _edit(brand_dir, 'logo = "logo.svg"', 'logo = "gone.svg"')
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(ROLES_DIR), "--out", str(out), "--brand", str(path)])
    assert result.exit_code == 1
    assert f"error: {path}: logo: file" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_characters_no_font_has_are_reported_by_field(runner, tmp_path):
    import json

    from tests.conftest import ROLE_FILES

    data = json.loads(ROLE_FILES[0].read_text(encoding="utf-8"))
    data["sections"]["ai_impact"] += " 人工知能 🚀"
    role_file = tmp_path / "cjk.json"
    role_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(
        cli, ["render", str(role_file), "--format", "pdf", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert f"warning: {role_file}: sections.ai_impact: no font has '人'" in result.output
    assert "U+1F680" in result.output
    assert list((tmp_path / "out").glob("*.pdf"))


def test_stylesheet_weasyprint_cannot_use_is_an_error_naming_it(tmp_path, monkeypatch):
    import exporter.render.pdf.writer

    (tmp_path / "report.css").write_text("p { colr: red; margin: 1cm }\n", encoding="utf-8")
    monkeypatch.setattr(exporter.render.pdf.writer, "STYLES_DIR", tmp_path)
    with pytest.raises(BrandError) as caught:
        exporter.render.pdf.writer.PdfWriter(load_brand())
    assert str(caught.value).startswith(f"{tmp_path / 'report.css'}: ")
    assert "colr" in str(caught.value)


def test_template_syntax_error_is_caught_before_rendering(tmp_path):
    from exporter.render.pdf.html import report_template

    shutil.copytree(TEMPLATES_DIR, tmp_path / "templates")
    broken = tmp_path / "templates" / "blocks" / "paragraph.html"
    broken.write_text("<p>{{ block.runs }</p>\n{% endif %}\n", encoding="utf-8")
    with pytest.raises(BrandError) as caught:
        report_template(tmp_path / "templates")
    assert str(caught.value).startswith(f"{broken}, line ")
    assert "template error" in str(caught.value)


def test_brand_font_stack_covers_accents_and_typography(role):
    from exporter.fonts.faces import coverage, missing_characters

    covered = coverage(load_brand().faces)
    assert (
        missing_characters("Côte d’Ivoire · São Paulo — Zürich “quoted” −5 € £ ¥ ₹", covered) == []
    )
    assert api.font_warnings(role) == []  # the fixture roles draw entirely in the brand font stack
