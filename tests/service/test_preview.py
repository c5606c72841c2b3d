"""``exporter preview`` in a real server process, watched by a real browser (Chromium)."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from tests.conftest import ROLES_DIR
from tests.service.conftest import CHROMIUM, browser_api
from tests.service.server import Server, until

pytestmark = pytest.mark.slow

ROLE = "machine-learning-lead-canada.json"
PRIMARY = "#0b3d5c"  # the bundled brand's title band
NEW_PRIMARY = "#7a1f1f"
WAIT = 90.0  # seconds a change may take to show (generous: a shared, busy machine)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A brand author's folder: copies of the brand (and its files), the templates, a role."""
    base = tmp_path_factory.mktemp("preview")
    shutil.copytree(STYLES_DIR, base / "brand", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(TEMPLATES_DIR, base / "templates", ignore=shutil.ignore_patterns("__*"))
    (base / ROLE).write_bytes((ROLES_DIR / ROLE).read_bytes())
    (base / "reference.docx").write_bytes((STYLES_DIR / "reference.docx").read_bytes())
    return base


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[Server]:
    command = [
        sys.executable, "-m", "exporter", "preview", str(workspace / ROLE),
        "--brand", str(workspace / "brand" / "brand.toml"),
        "--templates", str(workspace / "templates"), "--port", "0",
        "--docx-template", str(workspace / "reference.docx"),
    ]  # fmt: skip
    running = Server(command).start()
    yield running
    assert running.terminate() == 0


def _state(server: Server) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(server.url + "/state.json").json()
    return result


def _until(check: Callable[[], Any], what: str) -> Any:
    return until(check, what, WAIT)


def _settled(server: Server) -> dict[str, Any]:
    """The state once both columns show the latest render."""
    return _until(  # type: ignore[no-any-return]
        lambda: (s := _state(server))["rendered"] and not s["docx_note"] and s,
        "both columns rendered",
    )


def _share(png: bytes, colour: str) -> float:
    """Fraction of the image's pixels within a small distance of ``colour``."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    close = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 24)
    return close / len(pixels)


def _browser_page(playwright: Any) -> Any:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    return browser, browser.new_page()


def test_brand_and_template_edits_reload_the_page(server: Server, workspace: Path) -> None:
    sync_api = browser_api()
    _settled(server)
    with sync_api.sync_playwright() as playwright:  # type: ignore[attr-defined]
        browser, page = _browser_page(playwright)
        try:
            page.goto(server.url + "/")
            assert page.title() == f"Preview: {ROLE}"
            assert page.locator("#pdf img").count() == 3
            assert page.locator("#docx img").count() >= 3  # LibreOffice is installed here
            first = page.locator("#pdf img").first
            before = httpx.get(server.url + first.get_attribute("src")).content
            assert _share(before, PRIMARY) > 0.02 and _share(before, NEW_PRIMARY) == 0

            # a brand colour: the page reloads by itself, the title band has the new colour
            generation = int(page.locator("body").get_attribute("data-generation"))
            brand = workspace / "brand" / "brand.toml"
            brand.write_text(brand.read_text().replace(PRIMARY, NEW_PRIMARY))
            # (locators, not wait_for_function: the page's CSP forbids the eval that needs)
            page.locator(f"body:not([data-generation='{generation}'])").wait_for(
                state="attached", timeout=WAIT * 1000
            )
            src = page.locator("#pdf img").first.get_attribute("src")
            after = httpx.get(server.url + src).content
            assert _share(after, NEW_PRIMARY) > 0.02 and _share(after, PRIMARY) < 0.005

            # a template syntax error: shown with file and line, the last good render beside it
            template = workspace / "templates" / "report.html"
            good = template.read_text()
            lines = good.splitlines(keepends=True)
            broken_line = 5
            lines.insert(broken_line - 1, "{% if %}\n")
            template.write_text("".join(lines))
            error = page.locator("#error")
            error.wait_for(timeout=WAIT * 1000)
            message = error.inner_text()
            assert f"report.html, line {broken_line}" in message, message
            assert "last good render" in message
            assert page.locator("#pdf img").count() == 3

            # fixed: the error goes and the report returns
            template.write_text(good)
            page.locator("#error").wait_for(state="detached", timeout=WAIT * 1000)
            assert page.locator("#pdf img").count() == 3
        finally:
            browser.close()


def test_role_edit_shows_the_new_figure_as_render_writes_it(
    server: Server, workspace: Path, tmp_path: Path
) -> None:
    role = workspace / ROLE
    before = _settled(server)["generation"]
    role.write_text(role.read_text().replace("123557", "150250"))
    _until(lambda: _state(server)["generation"] > before, "a render after the role edit")
    _settled(server)
    pdf = httpx.get(server.url + "/report.pdf").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "150,250" in text, text  # the key figure; the prose keeps its own wording

    # the same bytes `exporter render` writes with the same brand and templates
    expected = cli_render_with(role, tmp_path, workspace)
    assert pdf == expected["pdf"]
    assert httpx.get(server.url + "/report.docx").content == expected["docx"]


def test_bad_brand_value_names_its_key_and_keeps_the_last_render(
    server: Server, workspace: Path
) -> None:
    brand = workspace / "brand" / "brand.toml"
    good = brand.read_text()
    _settled(server)
    try:
        brand.write_text(good.replace('accent = "#b5580c"', 'accent = "orange"'))
        state = _until(lambda: (s := _state(server))["error"] and s, "the brand error")
        assert "accent" in state["error"] and str(brand) in state["error"], state["error"]
        assert state["pdf_pages"] == 3
        page = httpx.get(server.url + "/").text
        assert 'id="error"' in page and "/page/pdf/" in page
    finally:
        brand.write_text(good)
    _until(lambda: (s := _state(server))["rendered"] and not s["error"], "the brand fixed")


def cli_render_with(role: Path, out: Path, workspace: Path) -> dict[str, bytes]:
    """What `exporter render` writes for the role with the workspace's brand and templates."""
    from click.testing import CliRunner

    from exporter.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "render", str(role), "--out", str(out),
            "--brand", str(workspace / "brand" / "brand.toml"),
            "--templates", str(workspace / "templates"),
            "--docx-template", str(workspace / "reference.docx"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {fmt: next(out.glob(f"*.{fmt}")).read_bytes() for fmt in ("pdf", "docx")}


def test_missing_word_style_and_ignored_css_are_shown(server: Server, workspace: Path) -> None:
    import docx

    reference = workspace / "reference.docx"
    good = reference.read_bytes()
    _settled(server)
    try:
        docx.Document().save(str(reference))  # python-docx's own template: no briefing styles
        state = _until(lambda: (s := _state(server))["error"] and s, "the Word style error")
        assert str(reference) in state["error"] and "Callout" in state["error"], state["error"]
        assert state["pdf_pages"] == 3 and state["docx_pages"] >= 3  # the last good render
    finally:
        reference.write_bytes(good)
    _until(lambda: (s := _state(server))["rendered"] and not s["error"], "the reference fixed")

    template = workspace / "templates" / "report.html"
    original = template.read_text()
    try:
        template.write_text(
            original.replace("</head>", "<style>\np { colour: red }\n</style></head>")
        )
        state = _until(lambda: (s := _state(server))["warnings"] and s, "the CSS warning")
        assert any("colour: red" in w and "unknown property" in w for w in state["warnings"])
        assert state["error"] is None
        page = httpx.get(server.url + "/").text
        assert 'id="warnings"' in page and "colour: red" in page
    finally:
        template.write_text(original)
    _until(lambda: not _state(server)["warnings"], "the warning gone")


def test_a_missing_role_is_one_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from exporter.cli import cli

    result = CliRunner().invoke(cli, ["preview", str(tmp_path / "absent.json")])
    assert result.exit_code == 1
    assert "absent.json" in result.output and "Traceback" not in result.output


def test_preview_refuses_hostile_requests_and_sends_its_policy(server: Server) -> None:
    _settled(server)
    huge = httpx.get(server.url + "/page/pdf/0/" + "9" * 5000 + ".png")
    assert huge.status_code == 404
    assert httpx.get(server.url + "/page/pdf/0/1.png").headers["content-type"] == "image/png"
    page = httpx.get(server.url + "/")
    assert page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "<style>" not in page.text and "<script>" not in page.text  # nothing inline
    assert httpx.get(server.url + "/assets/preview.js").status_code == 200
    foreign = httpx.get(server.url + "/report.pdf", headers={"Host": "evil.example"})
    assert foreign.status_code == 421 and b"%PDF" not in foreign.content
    with httpx.stream("GET", server.url + "/events", params={"since": "9" * 5000}) as events:
        assert events.status_code == 200  # a nonsense "since" is ignored; the stream answers
        assert "event: hello" in next(events.iter_text())
