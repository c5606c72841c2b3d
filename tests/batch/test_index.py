"""The batch's ``index.html``: the branded listing page read back from the output folder,
its ``brand/`` folder, the key figures the manifest records, and (in Chromium) axe-core
finding nothing, the brand's stylesheet applied and the filter working without a server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from exporter.batch.manifest import write_index
from exporter.batch.shards import Shard, merge
from exporter.engine.records import ManifestError, load_manifest, read_manifest
from exporter.engine.settings import Settings
from exporter.errors import ExporterError
from exporter.model.brand import load_brand
from exporter.model.rolefile import load_role, role_files
from tests.batch.test_batch import batch, edit_role
from tests.batch.test_shards import shard_batch
from tests.conftest import ROLE_FILES, ROOT
from tests.faults import Misbehave
from tests.readback import Tags

ML_LEAD = "machine-learning-lead-canada"


class Index(Tags):
    """The page as a reader sees it: tags with attributes, inline script/style text, rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.notes: list[str] = []
        self._cell: list[str] | None = None
        self._note: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        found = dict(attrs)
        if tag == "tr" and "data-search" in found:
            self.rows.append([])
        elif tag in ("th", "td") and self.rows and found.get("scope") != "col":
            self._cell = []
        elif tag == "p" and "note" in (found.get("class") or ""):
            self._note = []

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        for collecting in (self._cell, self._note):
            if collecting is not None:
                collecting.append(data)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "p" and self._note is not None:
            self.notes.append(" ".join("".join(self._note).split()))
            self._note = None

    @property
    def links(self) -> list[str]:
        return [str(a["href"]) for tag, a in self.tags if tag == "a" and a.get("href")]

    def row(self, role: str) -> list[str]:
        return next(row for row in self.rows if row[0] == role)


def read_index(folder: Path) -> Index:
    index = Index()
    index.feed((folder / "index.html").read_text(encoding="utf-8"))
    return index


def resources(index: Index) -> list[str]:
    """Every file the page loads or links (stylesheet, script, logo, downloads)."""
    named = [attrs.get("src") or attrs.get("href") for _, attrs in index.tags]
    return [str(name) for name in named if name]


def tree(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` (relative name) with its modification time."""
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


def stale_and_unfinished(roles: Path, out: Path) -> Path:
    """Every role edited, the first one's render failing, ``--fail-fast``: that role is
    stale (its last good files kept) and the batch did not finish; returns its file."""
    for path in role_files(roles):
        edit_role(path, data_points=4321)
    first = role_files(roles)[0]
    report = batch(roles, out, fail_fast=True, render=Misbehave("fail", load_role(first).slug))
    assert report.not_attempted >= 1
    return first


def test_index_shows_figures_links_to_files_and_loads_the_brand_folder(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, Settings())
    index = read_index(out)
    assert len(index.rows) == 3
    row = index.row("Machine Learning Lead")
    assert row[1:6] == ["Canada", "$123,557", "$131,591", "+$8,034 (+6.5%)", "2 (small sample)"]
    assert "PDF report: Machine Learning Lead, Canada" in row[6]
    recorded = next(r for r in json.loads((out / "manifest.json").read_bytes())["roles"])
    assert set(recorded["figures"]) == {
        "current", "projected", "change", "change_percent", "data_points", "updated",
        "small_sample",
    }  # fmt: skip
    # every link and every file the page loads is a file in the folder
    for name in resources(index):
        assert (out / unquote(name)).is_file(), name
    assert {f"{ML_LEAD}.pdf", f"{ML_LEAD}.docx", "manifest.json"} <= set(index.links)
    assert {"brand/listing.css", "brand/listing.js", "brand/logo.svg"} <= set(resources(index))
    css = (out / "brand" / "listing.css").read_text(encoding="utf-8")
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all((out / "brand" / font).is_file() for font in fonts)
    assert "--primary: #0b3d5c;" in css
    # nothing inline: no <style>, no script text, no style or on* attribute
    assert index.inline == []
    assert not any(tag == "style" for tag, _ in index.tags)
    assert all(a.get("src") for tag, a in index.tags if tag == "script")
    assert not any("style" in a or any(k.startswith("on") for k in a) for _, a in index.tags)
    assert index.notes[0] == "3 reports. manifest.json"


def test_index_escapes_names_and_quotes_links(roles, tmp_path):
    name = 'R&D <script>alert("x")</script> Lead'
    edit_role(roles / ROLE_FILES[0].name, role=name)
    out = tmp_path / "out"
    batch(roles, out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and name not in page
    index = read_index(out)
    assert [row[0] for row in index.rows if row[0].startswith("R&D")] == [name]
    assert all(a.get("src") for tag, a in index.tags if tag == "script")
    for role in json.loads((out / "manifest.json").read_bytes())["roles"]:
        for output in role["outputs"].values():
            assert output["file"] in index.links


def test_index_keeps_what_it_said_stale_unfinished_overview_empty(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    first = stale_and_unfinished(roles, out)
    index = read_index(out)
    assert index.notes[0] == "3 reports (1 stale). manifest.json"
    stale = index.row(load_role(first).role)
    assert "stale: the latest render failed; these are the last good files" in stale[6]
    assert any("did not finish: some roles were not attempted" in n for n in index.notes)

    empty = tmp_path / "empty"
    empty.mkdir()
    batch(empty, tmp_path / "none")
    page = (tmp_path / "none" / "index.html").read_text(encoding="utf-8")
    assert "<p>No reports.</p>" in page and "No role matches" not in page
    assert read_index(tmp_path / "none").notes == ["0 reports. manifest.json"]


def test_a_no_op_rebuild_writes_nothing_and_an_old_brand_file_goes(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, make_zip=True)
    before = tree(out)
    assert {"brand/listing.css", "brand/listing.js", "brand/logo.svg", "reports.zip"} <= set(before)
    assert batch(roles, out, make_zip=True).rendered == 0
    assert tree(out) == before

    # a brand without a logo and with another colour: its files replace the old ones
    brand = tmp_path / "brand.toml"
    text = (ROOT / "styles" / "brand.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^logo(_raster)? = .*$", "", text).replace("#0b3d5c", "#123456")
    brand.write_text(text, encoding="utf-8")
    batch(roles, out, Settings(formats=("docx",), brand_file=brand))
    assert not (out / "brand" / "logo.svg").exists()
    assert "--primary: #123456;" in (out / "brand" / "listing.css").read_text(encoding="utf-8")
    assert not any(tag == "img" for tag, _ in read_index(out).tags)


@pytest.mark.parametrize("kind", ["link", "file", "fifo-inside"])
def test_a_brand_folder_that_is_not_the_batchs_is_an_error_naming_it(roles, tmp_path, kind):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the batch's", encoding="utf-8")
    named = out / "brand"
    if kind == "link":
        named.symlink_to(elsewhere)
    elif kind == "file":
        named.write_text("x", encoding="utf-8")
    else:
        named.mkdir()
        named = named / "listing.js"
        os.mkfifo(named)
    report = batch(roles, out)
    assert report.rendered == 3 and not report.ok
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{named}: cannot write: ")
    assert "the previous index.html is kept" in report.errors[0]
    assert not (out / "index.html").exists()  # never a page whose files are missing
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


def test_the_zip_unzipped_shows_the_branded_index(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out, make_zip=True)
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(out / "reports.zip") as archive:
        archive.extractall(unzipped)
    assert tree(unzipped).keys() == tree(out).keys() - {"reports.zip"}
    for name in resources(read_index(unzipped)):
        assert (unzipped / unquote(name)).read_bytes() == (out / unquote(name)).read_bytes()


def test_figures_in_the_manifest_are_optional_but_checked(roles, tmp_path):
    out = tmp_path / "out"
    batch(roles, out)
    path = out / "manifest.json"
    data = json.loads(path.read_bytes())
    # a manifest from before figures were recorded still reads; its rows show "—"
    for role in data["roles"]:
        del role["figures"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert all(r.figures is None for r in load_manifest(out).roles)
    assert batch(roles, out).rendered == 0
    row = read_index(out).row("Machine Learning Lead")
    assert row[2:6] == ["—not recorded"] * 4
    # malformed figures: the error names the file and the field
    data["roles"][1]["figures"] = {"current": 5}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"manifest\.json: roles\[1\]\.figures\.current: "):
        load_manifest(out)
    assert read_manifest(out) is None  # not trusted: the batch builds everything again


def test_merge_writes_the_shards_brand_and_names_a_bad_figures_field(roles, tmp_path):
    out, single = tmp_path / "out", tmp_path / "single"
    batch(roles, single)
    shard_batch(roles, out, Shard(1, 1))
    merge(out)
    assert (out / "index.html").read_bytes() == (single / "index.html").read_bytes()
    assert {n: (out / "brand" / n).read_bytes() for n in tree(out / "brand")} == {
        n: (single / "brand" / n).read_bytes() for n in tree(single / "brand")
    }
    shard = out / "manifest.1-of-1.json"
    data = json.loads(shard.read_bytes())
    data["roles"][0]["figures"]["small_sample"] = "no"
    shard.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ExporterError) as raised:
        merge(out)
    assert str(raised.value) == (
        f"{shard}: not a readable manifest: roles[0].figures.small_sample: expected true or false"
    )


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """A plain static file server for ``folder`` on a loopback port, in a thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            thread.join()


@pytest.mark.slow
def test_the_static_index_is_branded_filters_and_passes_axe_in_chromium(roles, tmp_path):
    from tests.service.conftest import CHROMIUM, browser_api

    sync_api, axe = browser_api(axe=True)
    site = tmp_path / "site"
    out, empty, unknown = site / "out", site / "empty", site / "unknown"
    batch(roles, out)  # every note and row kind: a stale row, an unfinished batch
    stale_and_unfinished(roles, out)
    (tmp_path / "none").mkdir()
    batch(tmp_path / "none", empty)  # no reports
    shutil.copytree(out, unknown)  # rows without figures (an older manifest)
    data = json.loads((unknown / "manifest.json").read_bytes())
    for role in data["roles"]:
        del role["figures"]
    (unknown / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    write_index(unknown, load_manifest(unknown), load_brand())
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with static_server(site) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(url + "/out/index.html")
            page.evaluate("document.fonts.ready")
            band = page.evaluate(
                "getComputedStyle(document.querySelector('.masthead')).backgroundColor"
            )
            assert band == "rgb(11, 61, 92)"  # the brand's colours.primary, #0b3d5c
            family = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert family.startswith('"IBM Plex Sans"')
            assert page.evaluate(
                "[...document.fonts].some(f => f.family.includes('IBM Plex Sans')"
                " && f.status === 'loaded')"
            )
            logo = page.get_by_role("img", name="Market Intelligence")
            assert logo.evaluate("img => img.naturalWidth") > 0
            assert page.locator("tbody tr:visible").count() == 3
            page.get_by_role("searchbox", name="Filter roles").fill("backend")
            assert page.locator("tbody tr:visible").count() == 2
            assert page.locator("#shown").inner_text() == "2 of 3 roles shown"
            page.get_by_role("searchbox", name="Filter roles").fill("")
            assert page.locator("tbody tr:visible").count() == 3
            results = axe().run(page)
            assert results.violations_count == 0, results.generate_report()
            for other, text in (("empty", "No reports."), ("unknown", "not recorded")):
                page.goto(f"{url}/{other}/index.html")
                assert text in page.locator("main").inner_text()
                results = axe().run(page)
                assert results.violations_count == 0, results.generate_report()
            assert problems == []
        finally:
            browser.close()
