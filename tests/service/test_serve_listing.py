"""The branded listing: the brand's logo, colours and font, the key figures, the search,
immutable download links, a strict CSP, and axe-core in Chromium finding nothing."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest

from exporter.model.brand import load_brand
from exporter.render.listing import Note, Page, brand_files, page_row, render_listing
from exporter.report.outline import Figures
from tests.readback import Tags
from tests.service.conftest import CHROMIUM, browser_api
from tests.service.server import Server, until

SLUG = "machine-learning-lead-canada"


def parsed(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_the_page_for_a_static_folder_has_nothing_inline() -> None:
    """What the batch's index.html gets: plain data in, the same template out."""
    shown = Figures("$1", "$2", "+$1", "+100.0%", "12", "May 2026", True)
    row = page_row("Data <Engineer>", "Canada", shown,
                   {"pdf": ("data-engineer-canada.pdf", "data-engineer-canada.pdf")})  # fmt: skip
    brand = brand_files(load_brand())
    page = Page(
        title="Reports",
        brand=brand.name,
        intro="All roles.",
        footer=brand.footer,
        assets="",
        logo=brand.logo,
        rows=(row,),
        total=1,
        notes=(Note("Everything in one file:", "manifest.json", "manifest.json"),),
    )
    html = render_listing(page)
    tags = parsed(html)
    assert tags.inline == []  # no inline script or style: a strict CSP holds
    assert not any(
        "style" in attrs or any(k.startswith("on") for k in attrs) for _, attrs in tags.tags
    )
    sources = {attrs.get("src") or attrs.get("href") for _, attrs in tags.tags}
    assert {"listing.css", "listing.js", "logo.svg", "data-engineer-canada.pdf"} <= sources
    assert set(brand.files) >= {"listing.css", "listing.js", "logo.svg"}
    assert "Data &lt;Engineer&gt;" in html and "(small sample)" in html
    assert "<form" not in html  # no server to ask: the script filters
    css = brand.files["listing.css"].decode()
    assert "--primary: #0b3d5c;" in css and '"IBM Plex Sans"' in css
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all(name in brand.files for name in fonts)


@pytest.mark.slow
def test_listing_is_branded_links_immutable_urls_and_passes_axe(server: Server) -> None:
    sync_api, axe = browser_api(axe=True)
    assert httpx.get(f"{server.url}/roles/{SLUG}.pdf", timeout=120).status_code == 200

    def named() -> str | None:
        listed = {item["slug"]: item for item in httpx.get(server.url + "/roles").json()}
        return listed[SLUG]["files"]["pdf"]  # type: ignore[no-any-return]

    immutable = until(named, "/roles naming the immutable URL")
    response = httpx.get(server.url + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert parsed(response.text).inline == []

    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(server.url + "/")
            page.evaluate("document.fonts.ready")
            # the brand: its primary colour on the masthead, its logo, its font
            band = page.evaluate(
                "getComputedStyle(document.querySelector('.masthead')).backgroundColor"
            )
            assert band == "rgb(11, 61, 92)"  # colours.primary = "#0b3d5c"
            logo = page.get_by_role("img", name="Market Intelligence")
            assert logo.evaluate("img => img.naturalWidth") > 0
            assert page.evaluate("document.fonts.check('16px \"IBM Plex Sans\"')") is True
            assert page.evaluate(
                "[...document.fonts].some(f => f.family.includes('IBM Plex Sans')"
                " && f.status === 'loaded')"
            )
            # the key figures and the immutable link of the rendered file
            row = page.get_by_role("row").filter(has_text="Machine Learning Lead")
            shown = row.inner_text()
            assert "$123,557" in shown and "+$8,034 (+6.5%)" in shown and "small sample" in shown
            link = page.get_by_role("link", name="PDF report: Machine Learning Lead, Canada")
            assert link.get_attribute("href") == immutable
            assert link.get_attribute("download") == f"{SLUG}.pdf"
            # the search still filters as one types
            page.get_by_role("searchbox", name="Filter roles").fill("backend")
            assert page.locator("tbody tr:visible").count() == 2
            page.get_by_role("searchbox", name="Filter roles").fill("")

            results = axe().run(page)
            assert results.violations_count == 0, results.generate_report()
            assert problems == []  # no CSP violation, no script error
        finally:
            browser.close()
