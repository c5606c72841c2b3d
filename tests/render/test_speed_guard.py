"""Guards for the speed work of issue 9 that do not depend on how fast the machine is.

- Loading the bundled brand and rendering never instances a font or makes a font
  cache: the brand ships static font files.
- Compiled templates come from a private cache folder, and an edited template is
  compiled afresh.
- The ``exporter`` command (its own process) freezes its start-up objects before it
  renders; run in another program's process it leaves the collector alone.
- WeasyPrint lays a 3-page report out once, each page once: the contents' page
  numbers are printed as text from a prediction, not asked for with target-counter().
- The fallback font cache, for operators' variable fonts, is private and never
  trusts a broken file.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from exporter import api
from exporter.cli import cli
from exporter.fonts import faces as fonts
from exporter.model.brand import load_brand
from exporter.render.pdf import html
from exporter.render.pdf.writer import PdfWriter
from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from tests.render.test_pdf_contents import Layouts

STATIC_REGULAR = STYLES_DIR / "fonts" / "IBMPlexSans-Regular.ttf"


def _no_instancing(*_: object) -> bytes:
    raise AssertionError("a font was instanced at run time")


def test_rendering_never_instances_a_font(tmp_path, monkeypatch, role):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(fonts, "instance_font", _no_instancing)
    brand = load_brand()
    assert all(not face.variable for face in brand.faces)
    api.render_pdf(role, brand)
    api.render_docx(role, brand)
    assert not (cache / "exporter" / "fonts").exists()


def test_a_three_page_report_is_laid_out_once(monkeypatch, role):
    """The contents' numbers cost no layout of their own (issue 22): a fresh writer (a
    one-off command) and a warm one each lay a fixture report out once, page by page."""
    layouts = Layouts(monkeypatch)
    writer = PdfWriter(api.default_brand(), api.PdfOptions())
    report = api.report_for(role)
    for _ in ("fresh", "warm"):
        layouts.reset()
        writer.render(report)
        assert layouts.layouts == 1
        assert dict(layouts.pages) == {1: 1, 2: 1, 3: 1}


def test_the_layout_count_sees_target_counter_passes(monkeypatch, role):
    """The guard above can fail: the same report asking CSS for its numbers is laid out
    again and again within its one layout."""
    from weasyprint import HTML

    layouts = Layouts(monkeypatch)
    writer = PdfWriter(api.default_brand(), api.PdfOptions())
    page = HTML(string=writer.html(api.report_for(role)), base_url=str(TEMPLATES_DIR) + "/")
    page.render(stylesheets=writer._stylesheets, font_config=writer._fonts)
    assert layouts.layouts == 1
    assert sum(layouts.pages.values()) > 3, dict(layouts.pages)


def _variable_face(tmp_path: Path) -> fonts.FontFace:
    # Only the path's bytes (for the cache key) and the weight range matter here.
    return fonts.FontFace("Test Sans", STATIC_REGULAR, 100, 700, False)


def _fake_instance(path: Path, weight: int) -> bytes:
    return (
        STYLES_DIR / "fonts" / f"IBMPlexSans-{'Bold' if weight == 700 else 'Regular'}.ttf"
    ).read_bytes()


def test_fallback_cache_is_private_and_rebuilds_broken_files(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "instance_font", _fake_instance)
    cache = tmp_path / "fonts"
    faces = fonts.static_faces(_variable_face(tmp_path), cache)
    assert [face.weight_min for face in faces] == [400, 700]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(face.path.parent == cache and face.path.stat().st_size > 0 for face in faces)
    faces[0].path.write_bytes(b"")  # a 0-byte instance left by a crash
    faces[1].path.write_bytes(b"garbage")
    again = fonts.static_faces(_variable_face(tmp_path), cache)
    assert [fonts.sfnt.info(f.path.read_bytes()).weight_min for f in again] == [400, 700]


def test_fallback_cache_refuses_a_folder_it_does_not_control(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "instance_font", _fake_instance)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    faces = fonts.static_faces(_variable_face(tmp_path), link)
    assert all(face.path.parent != link and face.path.parent != elsewhere for face in faces)
    assert stat.S_IMODE(os.stat(faces[0].path.parent).st_mode) == 0o700
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize("path", sorted((STYLES_DIR / "fonts").glob("*.ttf")), ids=lambda p: p.name)
def test_small_font_reader_agrees_with_fonttools(path):
    from fontTools.ttLib import TTFont

    with TTFont(str(path)) as font:
        assert fonts.sfnt.code_points(path.read_bytes()) == frozenset(font.getBestCmap())
        assert fonts.sfnt.info(path.read_bytes()).weight_min == font["OS/2"].usWeightClass


def test_docx_never_looks_styles_up_by_name(monkeypatch, role):
    """Style ids are resolved once per reference document, not per paragraph (issue 9)."""
    from docx.styles.styles import Styles

    writer = api.writer(
        "docx", api.default_brand(), api.DocxOptions()
    )  # built (and its styles checked) first

    def by_name(*_: object) -> str:
        raise AssertionError("a style was looked up by name during a render")

    # python-docx scans every style (and the default one) on each of these.
    monkeypatch.setattr(Styles, "_get_style_id_from_name", by_name)
    monkeypatch.setattr(Styles, "_get_style_id_from_style", by_name)
    monkeypatch.setattr(Styles, "__getitem__", by_name)
    data = writer.render(api.report_for(role))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {member.date_time for member in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_help_and_the_package_import_no_models_or_engines():
    """``exporter --help`` and ``import exporter`` build no pydantic model and load no engine."""
    script = (
        "import sys, exporter, exporter.cli; "
        "print(sorted(m for m in ('pydantic', 'weasyprint', 'docx', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.fixture
def template_cache(tmp_path, monkeypatch) -> Path:
    """An empty cache home; templates compile anew in this test and after it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    html.report_template.cache_clear()
    yield tmp_path / "cache" / "exporter" / "templates"
    html.report_template.cache_clear()


def test_templates_compile_once_into_a_private_cache(template_cache, monkeypatch, role):
    html.report_template()
    cached = sorted(template_cache.iterdir())
    names = html.template_environment().list_templates(filter_func=lambda n: n.endswith(".html"))
    assert len(cached) == len(names) == 8
    assert stat.S_IMODE(template_cache.stat().st_mode) == 0o700

    def no_compiling(*_: object, **__: object) -> None:
        raise AssertionError("a template was compiled although its code was cached")

    html.report_template.cache_clear()
    monkeypatch.setattr("jinja2.environment.Environment.compile", no_compiling)
    report = api.report_for(role)
    page = html.render_html(report, api.default_brand(), None)  # every template from the cache
    assert report.title in page and report.sections[-1].title in page


def test_an_edited_template_is_compiled_afresh(template_cache, tmp_path, role):
    templates = tmp_path / "templates"
    (templates / "blocks").mkdir(parents=True)
    paragraph = templates / "blocks" / "paragraph.html"
    report = api.report_for(role)
    for text in ("FIRST EDITION", "SECOND EDITION"):
        paragraph.write_text(f"<p>{text}</p>\n", encoding="utf-8")
        html.report_template.cache_clear()
        page = html.render_html(report, api.default_brand(), templates)
        assert text in page
    assert "FIRST EDITION" not in page


def _no_home() -> Path:
    raise RuntimeError("Could not determine home directory.")


@pytest.mark.parametrize("where", ["a file", "no home"])
def test_without_a_usable_cache_folder_templates_are_compiled(where, tmp_path, monkeypatch, role):
    if where == "a file":
        (tmp_path / "cache").write_text("not a folder")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    else:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.setattr(Path, "home", _no_home)
    assert html.compiled_templates() is None
    html.report_template.cache_clear()
    try:
        assert role.role in html.render_html(api.report_for(role), api.default_brand())
    finally:
        html.report_template.cache_clear()


def test_the_command_freezes_start_up_objects_before_it_renders(tmp_path):
    script = (
        "import gc, sys\n"
        "from exporter.cli import main\n"
        "sys.argv = ['exporter', 'render', sys.argv[1], '--format', 'pdf', '--out', sys.argv[2]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.get_freeze_count())\n"
    )
    role = Path(__file__).parents[2] / "fixtures" / "roles" / "machine-learning-lead-canada.json"
    result = subprocess.run(
        [sys.executable, "-c", script, str(role), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    code, frozen = result.stdout.split()[-2:]
    assert code in ("0", "None")
    assert int(frozen) > 20_000  # Click, pydantic, Jinja2, WeasyPrint: not walked again
    assert (tmp_path / "machine-learning-lead-canada.pdf").stat().st_size > 10_000


def test_the_command_in_another_programs_process_leaves_the_collector_alone(runner, tmp_path):
    import gc

    before = gc.get_freeze_count()
    role = Path(__file__).parents[2] / "fixtures" / "roles" / "machine-learning-lead-canada.json"
    result = runner.invoke(cli, ["render", str(role), "--format", "pdf", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == before


def test_a_cache_that_cannot_be_written_or_read_is_only_a_miss(template_cache, monkeypatch, role):
    """A full disk or an unreadable entry never fails a render (Jinja2's own cache would)."""
    import errno

    def disk_full(*_: object, **__: object) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("jinja2.bccache.tempfile.NamedTemporaryFile", disk_full)
    report = api.report_for(role)
    assert role.role in html.render_html(report, api.default_brand())
    assert not template_cache.exists() or not list(template_cache.iterdir())
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(template_cache.parents[1]))
    html.report_template.cache_clear()
    html.report_template()  # now the cache is written
    assert list(template_cache.iterdir())

    def unreadable(*_: object, **__: object) -> Any:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("jinja2.bccache.open", unreadable, raising=False)
    html.report_template.cache_clear()
    assert role.role in html.render_html(report, api.default_brand())


def test_without_a_home_folder_instances_go_to_a_fresh_private_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "instance_font", _fake_instance)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", _no_home)
    faces = fonts.static_faces(_variable_face(tmp_path))
    assert [face.weight_min for face in faces] == [400, 700]
    assert stat.S_IMODE(os.stat(faces[0].path.parent).st_mode) == 0o700
