"""Hostile role data, category by category, each with its exact outcome.

Role data is untrusted (a CMS, scraped pages). Through the real command every
case either renders safely (the payload shows as literal text; no local file,
attachment, request or dangerous link gets into the outputs) or fails with one
message naming the file and the field, exit code 1, no traceback and no output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from exporter.cli import cli
from exporter.errors import RoleError
from exporter.model.names import slugify
from exporter.model.rolefile import decode_role, load_role, parse_role_checked, role_json
from exporter.render.pdf.fetch import FetchRefused, LocalAssetFetcher
from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from tests.hostile import (
    NUMBER_FIELDS,
    ONE_LINE_FIELDS,
    PROSE_FIELDS,
    TEXT_FIELDS,
    base_data,
    docx_all_bytes,
    docx_external_targets,
    docx_parts,
    dotted,
    link_is_safe,
    loopback_server,
    pdf_all_bytes,
    pdf_attachments,
    pdf_dangerous_names,
    pdf_link_targets,
    set_field,
    squash,
    with_text,
)
from tests.readback import docx_text, pdf_text


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A local file outside every asset folder, holding a string found nowhere else."""
    secret = f"CANARY-{uuid.uuid4().hex}"
    path = tmp_path / "secret" / "canary.txt"
    path.parent.mkdir()
    path.write_text(secret, encoding="utf-8")
    return path, secret


@pytest.fixture
def server():
    with loopback_server() as record:
        yield record


def write_role(folder: Path, data: Any, name: str = "role.json") -> Path:
    path = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")  # \uXXXX escapes: surrogates too
    return path


def render(runner: CliRunner, path: Path, out: Path, *extra: str) -> Result:
    return runner.invoke(cli, ["render", str(path), "--out", str(out), *extra])


def assert_failed_cleanly(result: Result, out: Path, *expected: str) -> None:
    """Exit code 1, each expected text in the error output, no traceback, nothing written."""
    assert result.exit_code == 1, result.output
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() or list(out.iterdir()) == []


# 1. Nothing in role data can make an output embed, load or link a file or a URL

PAYLOADS = {
    "img-http": '<img src="{url}/img.png" alt="x">',
    "img-file": '<img src="file://{canary}">',
    "img-relative-escape": '<img src="../../../../../../{canary}">',
    "attachment-link": '<link rel="attachment" href="file://{canary}">',
    "attachment-anchor": '<a rel="attachment" href="file://{canary}">report</a>',
    "stylesheet": '<link rel="stylesheet" href="{url}/style.css">',
    "style-import": '<style>@import url("{url}/import.css");</style>',
    "css-url-attribute": "<p style=\"background: url('{url}/bg.png')\">x</p>",
    "style-breakout": "</style><style>body {{ background: url({url}/bg2.png) }}</style>",
    "font-face": "<style>@font-face {{ font-family: x; src: url(file://{canary}) }}</style>",
    "svg-image": '<svg><image href="{url}/svg.png" width="9" height="9"/></svg>',
    "object": '<object data="file://{canary}" type="text/plain"></object>',
    "embed-iframe": '<embed src="{url}/embed"><iframe src="{url}/frame"></iframe>',
    "javascript-link": '<a href="javascript:alert(1)">click</a>',
    "file-link": '<a href="file://{canary}">open</a>',
    "jinja-syntax": "{{{{ 7 * 7 }}}} {{% include 'report.html' %}} {{{{ brand.__class__ }}}}",
    "xml-breakout": ']]></w:t><w:hyperlink r:id="x"/><!-- --> &amp; &#x41;',
    "entity": "&lt;b&gt; &copy; &#0; &unknown;",
}


@pytest.mark.slow
@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_markup_in_every_text_field_comes_out_as_text(
    payload, runner, tmp_path, canary, server, weasyprint_log
):
    canary_path, secret = canary
    text = payload.format(url=server.url, canary=canary_path)
    assert len(text) <= 200
    out = tmp_path / "out"
    result = render(runner, write_role(tmp_path, with_text(text)), out)
    assert result.exit_code == 0, result.output
    pdf = next(out.glob("*.pdf")).read_bytes()
    docx = next(out.glob("*.docx")).read_bytes()

    assert squash(text) in squash(pdf_text(pdf))
    assert squash(text) in squash(docx_text(docx))
    assert server.requests == []
    assert secret.encode() not in pdf_all_bytes(pdf)
    assert secret.encode() not in docx_all_bytes(docx)
    # The one attachment is the role's own data, as provenance: nothing the text named.
    role = load_role(next(tmp_path.glob("*.json")))
    assert pdf_attachments(pdf) == {f"{role.slug}.json": [role_json(role)]}
    assert pdf_dangerous_names(pdf) == ["/EmbeddedFile"]
    assert all(link_is_safe(target) for target in pdf_link_targets(pdf))
    # The only external link is the brand's website, never one from role data.
    assert docx_external_targets(docx) == ["https://example.com/market-intelligence"]
    assert list(weasyprint_log) == []  # nothing was even attempted


# 2. The fetcher, given hostile URLs directly: the second line of defence


@pytest.fixture
def asset_root(tmp_path: Path) -> Path:
    root = tmp_path / "assets"
    root.mkdir()
    (root / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return root


def test_fetcher_serves_bundled_assets_and_data_urls():
    fetcher = LocalAssetFetcher()
    css = fetcher.fetch((STYLES_DIR / "report.css").as_uri())
    assert css.read() == (STYLES_DIR / "report.css").read_bytes()
    assert css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert fetcher.fetch((TEMPLATES_DIR / "report.html").as_uri()).read()


def test_fetcher_serves_an_extra_root(asset_root):
    fetcher = LocalAssetFetcher(extra_roots=(asset_root,))
    assert fetcher.fetch((asset_root / "logo.svg").as_uri()).read().startswith(b"<svg")
    assert fetcher.fetch((STYLES_DIR / "report.css").as_uri()).read()


def _hostile_urls(asset_root: Path, canary: Path, url: str) -> dict[str, str]:
    outside_link = asset_root / "link-out.txt"
    outside_link.symlink_to(canary)
    (asset_root / "folder").mkdir()
    fifo = asset_root / "pipe.css"
    os.mkfifo(fifo)
    root_uri = asset_root.as_uri()
    return {
        "file-outside-roots": canary.as_uri(),
        "dotdot-escape": f"{root_uri}/../secret/canary.txt",
        "encoded-dotdot": f"{root_uri}/%2e%2e/%2E%2E/{canary.parent.name}/canary.txt",
        "symlink-out-of-root": outside_link.as_uri(),
        "dev-zero": "file:///dev/zero",
        "etc-passwd": "file:///etc/passwd",
        "fifo-in-root": fifo.as_uri(),
        "folder-in-root": (asset_root / "folder").as_uri(),
        "missing-file": f"{root_uri}/missing.png",
        "remote-host": f"file://example.invalid{canary}",
        "http-loopback": f"{url}/x.png",
        "https-loopback": url.replace("http:", "https:") + "/x.png",
        "ftp": "ftp://127.0.0.1/x",
        "upper-case-scheme": f"HTTP://{url.removeprefix('http://')}/y.png",
        "javascript": "javascript:alert(1)",
    }


HOSTILE_URL_IDS = [
    "file-outside-roots",
    "dotdot-escape",
    "encoded-dotdot",
    "symlink-out-of-root",
    "dev-zero",
    "etc-passwd",
    "fifo-in-root",
    "folder-in-root",
    "missing-file",
    "remote-host",
    "http-loopback",
    "https-loopback",
    "ftp",
    "upper-case-scheme",
    "javascript",
]


@pytest.mark.parametrize("kind", HOSTILE_URL_IDS)
def test_fetcher_refuses_hostile_urls(kind, asset_root, canary, server):
    url = _hostile_urls(asset_root, canary[0], server.url)[kind]
    fetcher = LocalAssetFetcher(roots=(asset_root, Path("/dev")))
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert server.requests == []


def test_fetcher_refuses_files_over_its_size_cap(asset_root):
    fetcher = LocalAssetFetcher(roots=(asset_root,), max_bytes=10)
    with pytest.raises(FetchRefused, match="larger than 10 bytes"):
        fetcher.fetch((asset_root / "logo.svg").as_uri())


def test_fetcher_follows_a_symlink_that_stays_inside_its_root(asset_root):
    (asset_root / "alias.svg").symlink_to(asset_root / "logo.svg")
    fetcher = LocalAssetFetcher(roots=(asset_root,))
    assert fetcher.fetch((asset_root / "alias.svg").as_uri()).read().startswith(b"<svg")


def test_weasyprint_with_our_fetcher_loads_nothing_a_hostile_template_names(
    tmp_path, canary, server, weasyprint_log
):
    """Even if markup reached the HTML unescaped, nothing would be fetched or embedded."""
    from weasyprint import HTML

    canary_path, secret = canary
    html = "".join(
        payload.format(url=server.url, canary=canary_path)
        for name, payload in PAYLOADS.items()
        if not name.startswith(("jinja", "xml", "entity"))
    )
    pdf = HTML(
        string=f"<html><body><p>x</p>{html}</body></html>",
        base_url=str(TEMPLATES_DIR) + "/",
        url_fetcher=LocalAssetFetcher(),
    ).write_pdf()
    assert server.requests == []
    assert secret.encode() not in pdf_all_bytes(pdf)
    assert pdf_attachments(pdf) == {}
    assert pdf_dangerous_names(pdf) == []
    # Links in trusted markup are the template's business: only role data is kept from them.
    assert set(pdf_link_targets(pdf)) <= {"javascript:alert(1)", canary_path.as_uri()}
    refused = list(weasyprint_log)
    assert refused
    assert [m for m in refused if "refused" not in m and "cannot be loaded" not in m] == []


# 3. One character policy, applied when the role is loaded

REJECTED_CHARACTERS = {
    "nul": ("\x00", "a control character (U+0000)"),
    "start-of-heading": ("\x01", "a control character (U+0001)"),
    "vertical-tab": ("\x0b", "a control character (U+000B)"),
    "form-feed": ("\x0c", "a control character (U+000C)"),
    "escape": ("\x1b", "a control character (U+001B)"),
    "delete": ("\x7f", "a control character (U+007F)"),
    "c1-csi": ("\x9b", "a control character (U+009B)"),
    "lone-high-surrogate": ("\ud800", "a lone surrogate (U+D800)"),
    "lone-low-surrogate": ("\udfff", "a lone surrogate (U+DFFF)"),
    "noncharacter-fffe": ("\ufffe", "a noncharacter (U+FFFE)"),
    "noncharacter-ffff": ("\uffff", "a noncharacter (U+FFFF)"),
    "noncharacter-fdd0": ("\ufdd0", "a noncharacter (U+FDD0)"),
    "noncharacter-plane-16": ("\U0010ffff", "a noncharacter (U+10FFFF)"),
    "lre": ("\u202a", "a bidirectional override (U+202A)"),
    "rlo": ("\u202e", "a bidirectional override (U+202E)"),
    "pdf": ("\u202c", "a bidirectional override (U+202C)"),
    "lri": ("\u2066", "a bidirectional override (U+2066)"),
    "pdi": ("\u2069", "a bidirectional override (U+2069)"),
}

REMOVED_CHARACTERS = {
    "zero-width-space": ("\u200b", "a zero-width character (U+200B)"),
    "zero-width-non-joiner": ("\u200c", "a zero-width character (U+200C)"),
    "zero-width-joiner": ("\u200d", "a zero-width character (U+200D)"),
    "word-joiner": ("\u2060", "a zero-width character (U+2060)"),
    "bom-inside-text": ("\ufeff", "a zero-width character (U+FEFF)"),
    "tag-character": ("\U000e0041", "a zero-width character (U+E0041)"),
    "left-to-right-mark": ("\u200e", "a directional mark (U+200E)"),
    "right-to-left-mark": ("\u200f", "a directional mark (U+200F)"),
    "arabic-letter-mark": ("\u061c", "a directional mark (U+061C)"),
}


def _field_cycle(index: int) -> tuple[str | int, ...]:
    return TEXT_FIELDS[index % len(TEXT_FIELDS)]


REJECT_CASES = [
    (name, char, message, _field_cycle(i))
    for i, (name, (char, message)) in enumerate(REJECTED_CHARACTERS.items())
]


@pytest.mark.parametrize(
    ("char", "message", "path"),
    [case[1:] for case in REJECT_CASES],
    ids=[f"{name}-in-{dotted(path)}" for name, _, _, path in REJECT_CASES],
)
def test_rejected_characters_are_an_error_naming_the_field(char, message, path, runner, tmp_path):
    role_file = write_role(tmp_path, set_field(base_data(), path, f"Abcd{char}efgh"))
    out = tmp_path / "out"
    result = render(runner, role_file, out)
    assert_failed_cleanly(
        result,
        out,
        f"error: {role_file}: {dotted(path)}: contains {message} at character 5: "
        "not allowed in role text",
    )


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


REMOVE_CASES = [
    (name, char, message, _field_cycle(i + 3))
    for i, (name, (char, message)) in enumerate(REMOVED_CHARACTERS.items())
]


@pytest.mark.parametrize(
    ("char", "message", "path"),
    [case[1:] for case in REMOVE_CASES],
    ids=[f"{name}-in-{dotted(path)}" for name, _, _, path in REMOVE_CASES],
)
def test_invisible_characters_are_removed_with_a_warning(char, message, path, runner, tmp_path):
    role_file = write_role(tmp_path, set_field(base_data(), path, f"Abcd{char}efgh"))
    out = tmp_path / "out"
    result = render(runner, role_file, out)
    assert result.exit_code == 0, result.output
    assert f"warning: {role_file}: {dotted(path)}: removed {message} at character 5" in (
        result.stderr
    )
    pdf = (out / "lead-backend-specialist-canada.pdf").read_bytes()
    docx = (out / "lead-backend-specialist-canada.docx").read_bytes()
    assert char not in pdf_text(pdf)
    assert all(char not in xml.decode() for n, xml in docx_parts(docx).items() if n.endswith("xml"))
    assert "Abcdefgh" in docx_text((out / "lead-backend-specialist-canada.docx").read_bytes())


def test_every_problem_of_a_file_is_reported_together(runner, tmp_path):
    data = with_text("ok \x1b here", fields=(("role",), ("skills", "top")))
    set_field(data, ("sections", "negotiation"), "fine\u202e")
    set_field(data, ("salary", "projected"), "lots")
    role_file = write_role(tmp_path, data)
    result = runner.invoke(cli, ["validate", str(role_file)])
    assert result.exit_code == 1
    assert f"error: {role_file}: 4 problems" in result.stderr
    for field in ("role", "skills.top", "sections.negotiation", "salary.projected"):
        assert f"  {field}: " in result.stderr


@pytest.mark.parametrize(
    ("path", "raw", "expected"),
    [
        (("sections", "negotiation"), "One\r\ntwo\rthree", "One two three"),
        (("sections", "negotiation"), "One\r\n\r\n\r\nTwo", "One\n\nTwo"),
        (("sections", "negotiation"), "One\u2028two\u2029Three\x85four", "One two\n\nThree four"),
        (("sections", "negotiation"), "  One\t\ttwo  \n \n  Three  ", "One two\n\nThree"),
        (("checklist", 0, "text"), "Line one\nline two", "Line one line two"),
        (("role",), "Lead\n\tBackend\r\n Specialist", "Lead Backend Specialist"),
        (("role",), "Lead\u00a0Backend", "Lead\u00a0Backend"),
    ],
    ids=[
        "crlf-and-cr",
        "blank-lines-make-one-break",
        "unicode-line-separators",
        "tabs-and-spaces",
        "checklist-soft-break",
        "one-line-field",
        "no-break-space-kept",
    ],
)
def test_line_endings_and_whitespace_are_normalised_silently(path, raw, expected):
    loaded = parse_role_checked(set_field(base_data(), path, raw), "role.json")
    assert _get(loaded.role.model_dump(), path) == expected
    assert loaded.warnings == ()


def test_normalised_text_reads_the_same_in_both_formats(runner, tmp_path):
    data = set_field(base_data(), ("checklist", 0, "text"), "Alpha\nbeta\tgamma")
    out = tmp_path / "out"
    result = render(runner, write_role(tmp_path, data), out)
    assert result.exit_code == 0, result.output
    pdf, docx = sorted(out.iterdir(), key=lambda p: p.suffix)[::-1]
    assert "Alpha beta gamma" in pdf_text(pdf.read_bytes())
    assert "Alpha beta gamma" in docx_text(docx.read_bytes())
    assert b"<w:br/>" not in docx_all_bytes(docx.read_bytes())


# 4. Numbers

NUMBER_CASES = {
    "nan": ("salary.projected", "NaN", "salary.projected: Input should be a finite number"),
    "infinity": ("salary.current_average", "Infinity", "Input should be a finite number"),
    "minus-infinity": ("salary.projected", "-Infinity", "Input should be a finite number"),
    "overflow-to-infinity": ("salary.projected", "1e999", "Input should be a finite number"),
    "negative": ("salary.current_average", "-141344", "greater than or equal to 1"),
    "zero": ("salary.projected", "0", "greater than or equal to 1"),
    "fraction-of-a-unit": ("salary.projected", "0.5", "greater than or equal to 1"),
    "absurd": ("salary.current_average", "1e12", "more than the limit for CAD, 1,500,000"),
    "boolean": ("salary.current_average", "true", "salary.current_average: must be a number"),
    "string": ("salary.projected", '"152,651"', "salary.projected: must be a number"),
    "null": ("salary.projected", "null", "salary.projected: must be a number"),
    "list": ("salary.projected", "[152651]", "salary.projected: must be a number"),
    "projection-10x": ("salary.projected", "1450000", "within 10 times the current average"),
    "projection-tiny": ("salary.projected", "1000", "within 10 times the current average"),
    "huge-integer": ("salary.projected", "9" * 5000, "has more than 30 digits"),
    "data-points-fraction": ("data_points", "12.5", "data_points: Input should be a valid integer"),
    "data-points-string": ("data_points", '"12"', "data_points: Input should be a valid integer"),
    "data-points-bool": ("data_points", "true", "data_points: Input should be a valid integer"),
    "data-points-zero": ("data_points", "0", "data_points: Input should be greater than or equal"),
    "data-points-absurd": ("data_points", "10000000000", "data_points: Input should be less than"),
    "schema-version-2": ("schema_version", "2", "schema_version: unsupported schema version 2"),
    "schema-version-bool": ("schema_version", "true", "schema_version: Input should be a valid"),
}


@pytest.mark.parametrize(
    ("field", "literal", "expected"), list(NUMBER_CASES.values()), ids=list(NUMBER_CASES)
)
def test_bad_numbers_are_errors_naming_the_field(field, literal, expected, runner, tmp_path):
    placeholder = "__NUMBER__"
    data = set_field(base_data(), tuple(field.split(".")), placeholder)
    role_file = tmp_path / "role.json"
    role_file.write_text(json.dumps(data).replace(f'"{placeholder}"', literal), encoding="utf-8")
    out = tmp_path / "out"
    result = render(runner, role_file, out)
    assert_failed_cleanly(result, out, f"error: {role_file}: ", expected)
    if "digits" not in expected:
        assert f"{field}: " in result.stderr


def test_every_number_field_is_covered():
    assert {case[0] for case in NUMBER_CASES.values()} == {dotted(f) for f in NUMBER_FIELDS}


# 5. Size, structure and encoding of role files


def _nested(depth: int) -> str:
    return '{"role": ' + "[" * depth + "]" * depth + "}"


def _duplicate_top_level() -> str:
    text = json.dumps(base_data(), indent=2)
    return text.replace('  "country"', '  "role": "Second",\n  "country"', 1)


def _duplicate_nested() -> str:
    text = json.dumps(base_data(), indent=2)
    return text.replace('"currency": "CAD",', '"currency": "CAD",\n    "curr\\u0065ncy": "USD",')


FILE_CASES = {
    "empty": (b"", "file is empty"),
    "whitespace-only": (b"  \n\t\n", "file is empty"),
    "bom-only": (b"\xef\xbb\xbf", "file is empty"),
    "json-list": (b"[1, 2]", "expected a JSON object, got a list"),
    "json-string": (b'"role"', "expected a JSON object, got a string"),
    "json-number": (b"42", "expected a JSON object, got a number"),
    "json-null": (b"null", "expected a JSON object, got null"),
    "truncated": (
        json.dumps(base_data(), indent=2).encode()[:300],
        "invalid JSON at line 14, column 12: Unterminated string",
    ),
    "trailing-garbage": (json.dumps(base_data()).encode() + b" }", "invalid JSON at line 1"),
    "utf16-with-bom": ("\ufeff{}".encode("utf-16-le"), "file is UTF-16 text; save it as UTF-8"),
    "utf16-without-bom": ('{"a": 1}'.encode("utf-16-le"), "file holds NUL bytes"),
    "utf32": ("\ufeff{}".encode("utf-32"), "file is UTF-32 text; save it as UTF-8"),
    "latin-1": (
        b'{\n  "role": "D\xe9veloppeur"\n}',
        "not UTF-8 text: invalid byte 0xe9 at line 2, column 13",
    ),
    "nested-too-deep": (_nested(20).encode(), "JSON nested deeper than 8 levels at line 1, column"),
    "million-brackets": (b"[" * 999_000, "JSON nested deeper than 8 levels at line 1, column 9"),
    "too-large": (b" " * 1_000_001, "file is larger than 1,000,000 bytes"),
    "duplicate-key": (_duplicate_top_level().encode(), "duplicate key 'role' at line 4, column 3"),
    "duplicate-key-escaped": (
        _duplicate_nested().encode(),
        "duplicate key 'currency' at line 10, column 5",
    ),
}


@pytest.mark.parametrize(("content", "expected"), list(FILE_CASES.values()), ids=list(FILE_CASES))
def test_unreadable_role_files_are_clear_errors(content, expected, runner, tmp_path):
    role_file = tmp_path / "role.json"
    role_file.write_bytes(content)
    out = tmp_path / "out"
    result = render(runner, role_file, out)
    assert_failed_cleanly(result, out, f"error: {role_file}: {expected}")


def test_utf8_with_and_without_bom_load_alike(tmp_path):
    raw = json.dumps(base_data(), ensure_ascii=False).encode("utf-8")
    assert decode_role(b"\xef\xbb\xbf" + raw).role == decode_role(raw).role


LIMIT_CASES = {
    "role-too-long": (("role",), "x" * 201, "role: String should have at most 200 characters"),
    "label-too-long": (
        ("checklist", 0, "label"),
        "x" * 201,
        "checklist.0.label: String should have at most 200 characters",
    ),
    "section-too-long": (
        ("sections", "ai_impact"),
        "word " * 4001,
        "sections.ai_impact: String should have at most 20000 characters",
    ),
    "checklist-text-too-long": (
        ("checklist", 0, "text"),
        "x" * 2001,
        "checklist.0.text: String should have at most 2000 characters",
    ),
    "premium-list-too-long": (
        ("skills", "premium"),
        [f"Skill {i}" for i in range(51)],
        "skills.premium: list has 51 items, at most 50",
    ),
    "checklist-too-long": (
        ("checklist",),
        [{"label": "L", "text": "T"}] * 51,
        "checklist: list has 51 items, at most 50",
    ),
    "huge-list-of-wrong-types": (
        ("skills", "premium"),
        [1] * 100_000,
        "skills.premium: list has 100,000 items, at most 50",
    ),
    "empty-title": (("role",), " \t ", "role: String should have at least 1 character"),
    "only-invisible-title": (
        ("role",),
        "\u200b\u200b",
        "role: String should have at least 1 character",
    ),
}


@pytest.mark.parametrize(
    ("path", "value", "expected"), list(LIMIT_CASES.values()), ids=list(LIMIT_CASES)
)
def test_size_limits_are_errors_naming_the_field(path, value, expected, runner, tmp_path):
    role_file = write_role(tmp_path, set_field(base_data(), path, value))
    out = tmp_path / "out"
    result = render(runner, role_file, out)
    assert_failed_cleanly(result, out, f"error: {role_file}: ", expected)


def test_a_flood_of_problems_is_counted_not_listed(tmp_path):
    data = base_data()
    data.update({f"unknown_{i}": i for i in range(200)})
    with pytest.raises(RoleError) as caught:
        decode_role(json.dumps(data).encode(), "role.json")
    message = str(caught.value)
    assert message.startswith("role.json: 26 problems")
    assert "... and 175 more problems" in message
    assert len(message.splitlines()) == 27


def test_a_device_is_refused_without_reading(runner):
    result = runner.invoke(cli, ["validate", "/dev/zero"])
    assert result.exit_code == 1
    assert "error: /dev/zero: not a regular file" in result.stderr
    assert "Traceback" not in result.output


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "role.json"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert f"error: {fifo}: not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


# 6. Output names: inside the output folder, never colliding


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("../../../etc/passwd", "etc-passwd-canada"),
        ("/etc/passwd", "etc-passwd-canada"),
        ("C:\\Windows\\System32\\cmd.exe", "c-windows-system32-cmd-exe-canada"),
        ("..", "canada"),
        ("CON", "con-canada"),
        ("x" * 200, "x" * 80),
        ("Ingeniero de Datos e Inteligencia Artificial", None),
    ],
    ids=["dotdot", "absolute", "windows-path", "only-dots", "con", "over-long", "plain"],
)
def test_output_names_stay_in_the_output_folder(title, expected, runner, tmp_path):
    out = tmp_path / "out"
    result = render(runner, write_role(tmp_path, set_field(base_data(), ("role",), title)), out)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    stem = expected or slugify(f"{title} Canada")
    assert names == [f"{stem}.docx", f"{stem}.pdf"]
    assert {p.resolve().parent for p in out.iterdir()} == {out.resolve()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "role.json"]


@pytest.mark.parametrize("name", ["CON", "nul", "Aux", "COM1", "lpt9", "PRN", "conin"])
def test_reserved_windows_names_are_never_a_slug(name):
    assert slugify(name) == f"{name.lower()}-role"


def test_non_latin_titles_get_distinct_names():
    assert slugify("データサイエンティスト Canada") != slugify("機械学習エンジニア Canada")
    assert slugify("Μηχανικός Canada").startswith("canada-")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (unicodedata.normalize("NFC", "Développeur"), unicodedata.normalize("NFD", "Développeur")),
        ("Lead Developer", "LEAD  developer"),
        ("Lead Developer", "ＬＥＡＤ Ｄｅｖｅｌｏｐｅｒ"),
        ("データ分析", unicodedata.normalize("NFD", "データ分析")),
        ("x" * 90 + "a", "x" * 90 + "b"),
    ],
    ids=["nfc-nfd", "case-and-spacing", "fullwidth", "non-latin-nfc-nfd", "truncated-alike"],
)
def test_two_roles_with_one_name_are_an_error_for_the_second(first, second, runner, tmp_path):
    roles = tmp_path / "roles"
    write_role(roles, set_field(base_data(), ("role",), first), "a.json")
    write_role(roles, set_field(base_data(), ("role",), second), "b.json")
    write_role(roles, base_data(), "c.json")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out), "--format", "docx"])
    assert result.exit_code == 1
    slug = slugify(f"{first} Canada")
    message = f"b.json: output name {slug!r} is already used by a.json"  # relative: published
    assert result.stderr.rstrip().endswith(f"failed:\n  {message}")
    assert "2 of 3 roles exported" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            f"{slug}.docx",
            "lead-backend-specialist-canada.docx",
            "index.html",
            "manifest.json",
            "brand",
        ]
    )


# 7. Every error: one message, exit code 1, the other roles still export, nothing partial


def test_a_batch_of_mixed_roles_exports_the_good_ones_and_names_the_bad(runner, tmp_path):
    roles = tmp_path / "roles"
    write_role(roles, base_data(), "good.json")
    (roles / "broken.json").write_bytes(b'{"role": ')
    write_role(roles, with_text("bad \x00", fields=(("role",),)), "control.json")
    write_role(roles, set_field(base_data(), ("salary", "projected"), float("nan")), "nan.json")
    (roles / "deep.json").write_text(_nested(100), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(roles), "--out", str(out)])
    assert result.exit_code == 1
    assert "1 of 5 roles exported" in result.stdout
    assert "4 failed" in result.stdout
    failed = result.stderr.split("failed:\n", 1)[1]
    named = [line.split(":")[0] for line in failed.splitlines() if not line.startswith("    ")]
    assert sorted(named) == sorted(
        f"  {n}" for n in ("broken.json", "control.json", "deep.json", "nan.json")
    )
    for name, field in (
        ("broken.json", "invalid JSON at line 1, column 10"),
        ("control.json", "role: contains a control character (U+0000)"),
        ("nan.json", "salary.projected: Input should be a finite number"),
        ("deep.json", "JSON nested deeper than 8 levels"),
    ):
        assert f"{name}: {field}" in failed
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "brand",
        "index.html",
        "lead-backend-specialist-canada.docx",
        "lead-backend-specialist-canada.pdf",
        "manifest.json",
    ]


def test_a_failing_render_leaves_no_file_for_that_role(runner, tmp_path, monkeypatch):
    from exporter.render.docx.writer import DocxWriter

    real = DocxWriter.render

    def render(self, report, options=None):
        if report.title.startswith("Doomed"):
            raise RuntimeError("writer broke midway")
        return real(self, report, options)

    monkeypatch.setattr(DocxWriter, "render", render)
    roles = tmp_path / "roles"
    write_role(roles, set_field(base_data(), ("role",), "Doomed"), "a.json")
    write_role(roles, base_data(), "b.json")
    out = tmp_path / "out"
    # In process (the render command): a patched writer cannot reach spawned batch workers.
    result = runner.invoke(
        cli, ["render", str(roles / "a.json"), str(roles / "b.json"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert f"error: {roles / 'a.json'}: render failed: RuntimeError: writer broke midway" in (
        result.stderr
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "lead-backend-specialist-canada.docx",
        "lead-backend-specialist-canada.pdf",
    ]


def test_an_output_folder_that_cannot_be_made_is_one_clear_error(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    role_file = write_role(tmp_path, base_data())
    result = render(runner, role_file, blocker / "out", "--format", "docx")
    assert result.exit_code == 1
    folder = blocker / "out"
    assert f"error: {folder}: cannot create the output folder: Not a directory" in result.stderr
    assert "Traceback" not in result.output
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_terminal_escapes_in_names_and_keys_are_shown_escaped(runner, tmp_path):
    data = base_data()
    data["\x1b]0;owned\x07"] = 1
    role_file = write_role(tmp_path, data, "\x1b[31mred.json")
    result = runner.invoke(cli, ["validate", str(role_file)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[31mred.json" in result.stderr
    assert "\\x1b]0;owned\\x07: unknown field" in result.stderr


def test_every_text_field_is_covered_by_the_character_tests():
    fields = {dotted(case[3]) for case in REJECT_CASES} | {dotted(c[3]) for c in REMOVE_CASES}
    assert fields == {dotted(f) for f in ONE_LINE_FIELDS + PROSE_FIELDS}


def test_a_huge_unknown_key_is_shown_shortened(tmp_path):
    data = base_data()
    data["k" * 100_000] = 1
    with pytest.raises(RoleError) as caught:
        decode_role(json.dumps(data).encode(), "role.json")
    assert str(caught.value) == f"role.json: {'k' * 57}...: unknown field"


def test_a_flood_of_warnings_is_counted_not_listed():
    data = base_data()
    data["skills"]["premium"] = [f"Skill\u200b {i}" for i in range(40)]
    loaded = parse_role_checked(data, "role.json")
    assert len(loaded.warnings) == 26
    assert str(loaded.warnings[-1]) == "role.json: (file): ... and 15 more warnings"
    assert str(loaded.warnings[0]) == (
        "role.json: skills.premium.0: removed a zero-width character (U+200B) at character 6"
    )


def test_the_policy_holds_for_roles_validated_without_the_loader():
    from pydantic import ValidationError

    from exporter.model.role import Role

    clean = Role.model_validate(
        set_field(base_data(), ("checklist", 0, "text"), "Zero\u200bwidth\r\nline")
    )
    assert clean.checklist[0].text == "Zerowidth line"
    with pytest.raises(ValidationError) as caught:
        Role.model_validate(set_field(base_data(), ("skills", "top"), "Bad\u202eskill"))
    assert caught.value.errors()[0]["loc"] == ("skills", "top")
    assert "bidirectional override (U+202E)" in str(caught.value)


def test_deep_data_decoded_elsewhere_is_an_error_not_a_recursion():
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    data = set_field(base_data(), ("skills", "premium"), deep)
    with pytest.raises(RoleError) as caught:
        parse_role_checked(data, "request")
    assert "skills.premium.0.0.0.0.0.0: nested deeper than 8 levels" in str(caught.value)
