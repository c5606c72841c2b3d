"""The README and the documentation site stay true: the site builds strictly (and a broken link
fails it), every path and name they mention exists, the layer diagram is the one the import
contracts draw, and ``exporter --help`` shows every command's whole summary."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest

from exporter.cli import cli
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
TEXTS = [README, *PAGES]
#: Top folders of the repository whose paths the docs name.
ROOTS = ("exporter", "tests", "bench", "docs", "styles", "templates", "fixtures", ".ci")
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(map(re.escape, ROOTS))})/[\w./*-]*)")
NAME = re.compile(r"(?<![\w.])exporter(?:\.\w+)+")
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"```text\n(.*?)```", re.DOTALL)


def mkdocs_build(config_dir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the site configured in ``config_dir``, into ``site``."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=config_dir,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    result = mkdocs_build(ROOT, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("exporter.render_pdf", "exporter.load_role", "exporter.api.RenderOptions"):
        assert f'id="{name}"' in api, name
    commands = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"exporter {name} [OPTIONS]" in commands, name


@pytest.mark.slow
def test_a_broken_link_fails_the_build(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", copy)
    shutil.copytree(DOCS, copy / "docs")
    page = copy / "docs" / "batch.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[gone](no-such-page.md)\n", "utf-8")
    result = mkdocs_build(copy, tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr


def test_the_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.DOTALL)
    assert blocks[:2] == [
        "bash .ci/setup && .venv/bin/exporter batch fixtures/roles --out dist",
        "bash .ci/setup --test && .venv/bin/python -m pytest",
    ]
    assert text.index(blocks[1]) < text.index("\n## ")
    assert len(text.splitlines()) <= 200


def layer_diagram(pyproject: Path | None = None) -> str:
    """What ``docs/layers.py`` prints."""
    argv = [sys.executable, str(DOCS / "layers.py"), *([str(pyproject)] if pyproject else [])]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("page", [README, DOCS / "architecture.md"], ids=lambda p: p.name)
def test_the_layer_diagram_is_the_one_the_contracts_draw(page):
    diagrams = FENCE.findall(page.read_text(encoding="utf-8"))
    assert layer_diagram() in diagrams, f"{page.name}: run docs/layers.py and paste its output"


def test_the_diagram_follows_every_kind_of_contract(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "pkg"
            [[tool.importlinter.contracts]]
            name = "Layers"
            type = "layers"
            layers = ["pkg.cli", "pkg.service | pkg.batch", "pkg.engine", "pkg.a : pkg.b",
                      "(pkg.x)"]
            ignore_imports = ["pkg.b -> pkg.cli"]
            [[tool.importlinter.contracts]]
            name = "Apart"
            type = "independence"
            modules = ["pkg.service", "pkg.batch"]
            [[tool.importlinter.contracts]]
            name = "No web"
            type = "forbidden"
            source_modules = ["pkg.engine"]
            forbidden_modules = ["starlette"]
            [[tool.importlinter.contracts]]
            name = "Siblings"
            type = "acyclic_siblings"
            """
        ),
        encoding="utf-8",
    )
    lines = layer_diagram(pyproject).splitlines()
    rows = [line for line in lines if line.startswith("│")]
    assert [re.split(r"\s*[│╎]\s*", row.strip("│ ")) for row in rows] == [
        ["cli"],
        ["service", "batch"],
        ["engine"],
        ["a", "b"],
        ["(x)"],
    ]
    assert "╎" in rows[3] and "╎" not in rows[1]
    assert len({len(row) for row in rows}) == 1  # one box
    assert "  except pkg.b -> pkg.cli" in lines
    assert "Apart: service, batch (none imports another)" in lines
    assert "No web: engine never import starlette" in lines
    assert "Siblings: acyclic_siblings contract (not drawn)" in lines


def mentions(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(file, match) for every match in the code spans of the README and the pages."""
    found = []
    for path in TEXTS:
        for span in re.findall(r"`([^`\n]+)`", path.read_text(encoding="utf-8")):
            found += [(path.name, match) for match in pattern.findall(span)]
    return found


@pytest.mark.parametrize(("page", "path"), mentions(PATH), ids=lambda value: value)
def test_every_path_mentioned_exists(page, path):
    path = path.split("::")[0].rstrip(".")
    assert list(ROOT.glob(path)) if "*" in path else (ROOT / path).exists(), f"{page}: {path}"


@pytest.mark.parametrize(("page", "name"), sorted(set(mentions(NAME))), ids=lambda value: value)
def test_every_name_mentioned_exists(page, name):
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[end:]:
            assert hasattr(value, attribute), f"{page}: {name}"
            value = getattr(value, attribute)
        return
    pytest.fail(f"{page}: {name}")


def test_every_link_of_the_readme_leads_somewhere():
    targets = LINK.findall(README.read_text(encoding="utf-8"))
    assert targets
    for target in targets:
        assert (ROOT / target.split("#")[0]).exists(), target


@pytest.mark.parametrize("page", [README, DOCS / "cli.md"], ids=lambda p: p.name)
def test_every_command_is_named(page):
    text = page.read_text(encoding="utf-8")
    missing = [name for name in cli.commands if not re.search(rf"exporter {name}[ `\n]", text)]
    assert not missing, f"{page.name} does not name: {missing}"


def listed_summaries(output: str) -> dict[str, str]:
    """Each command's summary as ``exporter --help`` lists it, wrapped lines joined."""
    listing = output.split("Commands:\n", 1)[1]
    summaries: dict[str, str] = {}
    name = ""
    for line in listing.splitlines():
        match = re.match(r"  (\S+)\s+(.*)", line)
        if match:
            name, text = match.groups()
            summaries[name] = text
        elif line.strip():
            summaries[name] += " " + line.strip()
    return summaries


def whole_summary(command: click.Command) -> str:
    """The command's one-line summary, uncut."""
    return " ".join((command.short_help or (command.help or "").split("\n\n")[0]).split())


@pytest.mark.parametrize("width", [80, 50], ids=["80-columns", "50-columns"])
def test_help_shows_every_commands_whole_summary(runner, width):
    result = runner.invoke(cli, ["--help"], terminal_width=width)
    assert result.exit_code == 0
    summaries = listed_summaries(result.output)
    assert set(summaries) == set(cli.commands)
    for name, summary in summaries.items():
        assert "..." not in summary, f"{name}: {summary}"
        assert summary == whole_summary(cli.commands[name]), name
