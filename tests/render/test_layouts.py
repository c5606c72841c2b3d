"""Both writers lay out every block type, and an operator's templates replace bundled ones."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from exporter.cli import cli
from exporter.errors import BrandError
from exporter.render.docx import blocks as word
from exporter.render.pdf import html
from exporter.report.outline import BLOCK_TYPES, require_layouts
from exporter.resources import TEMPLATES_DIR
from tests.conftest import ROLE_FILES
from tests.readback import pdf_text


@pytest.mark.parametrize("layouts", [html.LAYOUTS, word.LAYOUTS], ids=["html", "docx"])
def test_each_writer_has_one_layout_per_block_type(layouts):
    assert set(layouts) == set(BLOCK_TYPES)


@dataclass(frozen=True)
class Quote:
    """A block type some writer forgot."""

    text: str


def test_a_writer_missing_a_layout_fails_when_it_loads():
    incomplete = {kind: "x" for kind in BLOCK_TYPES[1:]}
    first = BLOCK_TYPES[0].__name__
    with pytest.raises(TypeError, match=f"the HTML writer has no layout for {first}"):
        require_layouts("HTML", incomplete)
    with pytest.raises(TypeError, match="a layout for Quote, which is no block type"):
        require_layouts("DOCX", {**dict.fromkeys(BLOCK_TYPES, "x"), Quote: "x"})


def test_an_operators_template_replaces_the_bundled_one(runner, tmp_path):
    templates = tmp_path / "templates"
    (templates / "blocks").mkdir(parents=True)
    (templates / "blocks" / "paragraph.html").write_text(
        '<p class="operator">OPERATOR LAYOUT {{ block.runs | map(attribute="text") | join }}</p>\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["render", str(ROLE_FILES[0]), "--format", "pdf", "--out", str(out)]
    result = runner.invoke(cli, [*args, "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    text = pdf_text(next(out.glob("*.pdf")).read_bytes())
    assert "OPERATOR LAYOUT" in text
    assert "Contents" in text  # every other template is still the bundled one


def test_a_broken_operator_template_names_its_own_file(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR / "blocks", templates / "blocks")
    broken = templates / "blocks" / "callout.html"
    broken.write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(BrandError) as caught:
        html.report_template(templates)
    assert str(caught.value).startswith(f"{broken.resolve()}, line 1: template error")


def test_the_package_reads_no_test_hook():
    package = Path(html.__file__).resolve().parents[1]
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "TEST_HOOK" not in text and "PYTEST" not in text, source
