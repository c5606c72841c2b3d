"""A real browser (Debian's Chromium through Playwright) uses the service's page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.service.conftest import CHROMIUM, browser_api
from tests.service.server import Server

pytestmark = pytest.mark.slow


def test_browser_lists_filters_and_downloads(
    server: Server, cli_bytes: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    sync_api = browser_api()
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:  # type: ignore[attr-defined]
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page(accept_downloads=True)
            problems: list[str] = []
            page.on(
                "console",
                lambda message: (
                    problems.append(message.text) if message.type in ("error", "warning") else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(server.url + "/")
            assert page.title() == "Role reports"
            rows = page.locator("tbody tr")
            assert rows.count() == 3
            assert page.locator("tbody th").all_inner_texts() == [
                "Backend Administrator",
                "Lead Backend Specialist",
                "Machine Learning Lead",
            ]

            # every link and control has an accessible name
            links = page.get_by_role("link")
            assert links.count() == 6
            for i in range(links.count()):
                name = links.nth(i).evaluate("e => e.textContent.trim()")
                assert name.startswith(("PDF report: ", "DOCX briefing: "))
            assert page.get_by_role("searchbox", name="Filter roles").count() == 1
            assert page.get_by_role("button", name="Filter").count() == 1
            snapshot = page.locator("body").aria_snapshot()
            assert '- link ""' not in snapshot and "- button\n" not in snapshot
            assert page.get_by_role("heading", level=1).count() == 1

            # keyboard: the first Tab reaches the filter box; typing filters without a reload
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "filter"
            page.keyboard.type("machine")
            visible = page.locator("tbody tr:visible")
            assert visible.count() == 1
            assert page.locator("#shown").inner_text() == "1 of 3 roles shown"

            # without JavaScript's help the form filters on the server
            page.keyboard.press("Enter")
            page.wait_for_url("**/?q=machine")
            assert page.locator("tbody tr").count() == 1

            link = page.get_by_role("link", name="PDF report: Machine Learning Lead, Canada")
            with page.expect_download() as info:
                link.click()
            download = info.value
            assert download.suggested_filename == "machine-learning-lead-canada.pdf"
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert saved.read_bytes() == cli_bytes["machine-learning-lead-canada"]["pdf"]
            assert problems == []
        finally:
            browser.close()
