"""Commands about role files: validate, list, import, and the Word reference document."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exporter.errors import ExitCode, ExporterError
from exporter.model.text_policy import printable

if TYPE_CHECKING:
    pass

from exporter.cli.common import (
    DEFAULT_ROLES_DIR,
    _fail,
    _warn,
    brand_option,
    roles_dir_argument,
)


@click.command(short_help="Check role files (or folders of them) against the schema.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check role files (or folders of them) against the schema.

    Every problem in every file is reported at once, naming the file and field.

    \b
    Example:
      exporter validate fixtures/roles
    """
    from exporter.errors import RoleError
    from exporter.model.rolefile import load_role_checked

    files = list(_expand(paths))
    bad = 0
    for path in files:
        try:
            loaded = load_role_checked(path)
        except RoleError as exc:
            bad += 1
            _fail(str(exc))
        else:
            for warning in loaded.warnings:
                _warn(warning)
            click.echo(f"ok: {printable(str(path))}")
    if bad:
        click.echo(f"{bad} of {len(files)} role files are invalid", err=True)
        sys.exit(ExitCode.FAILED)
    click.echo(f"{len(files)} role files are valid")


@click.command("list", short_help="List the roles in ROLES_DIR with their key figures.")
@roles_dir_argument
def list_roles(roles_dir: Path) -> None:
    """List the roles in ROLES_DIR: slug, role, country and key figures.

    \b
    Example:
      exporter list fixtures/roles
    """
    from exporter.errors import RoleError
    from exporter.model.rolefile import load_role_checked, role_folder
    from exporter.report.outline import figures

    rows = []
    failed = 0
    for path in role_folder(roles_dir):
        try:
            loaded = load_role_checked(path)
        except RoleError as exc:
            failed += 1
            _fail(str(exc))
            continue
        for warning in loaded.warnings:
            _warn(warning)
        role = loaded.role
        shown = figures(role)
        points = shown.data_points + (" (small sample)" if shown.small_sample else "")
        figures_row = (shown.current, shown.projected, shown.change_percent, points)
        rows.append((role.slug, role.role, role.country, *figures_row))
    header = ("SLUG", "ROLE", "COUNTRY", "CURRENT", "PROJECTED", "CHANGE", "DATA POINTS")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(printable("  ".join(cells).rstrip()))
    if failed:
        sys.exit(ExitCode.FAILED)


@click.command("reference-docx", short_help="Write the Word reference document of every style.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@brand_option
def reference_docx(out: Path, brand_file: Path | None) -> None:
    """Write the reference .docx (every style the briefing uses) to OUT.

    Open it in Word, change the styles, save it and pass it back with
    --docx-template: every briefing then uses your styles.

    \b
    Example:
      exporter reference-docx my-styles.docx
      exporter batch --docx-template my-styles.docx
    """
    from exporter.api import write_reference_docx

    write_reference_docx(out, brand_file)
    click.echo(f"wrote {out}")


@click.command("import", short_help="Import market-intelligence pages into role files.")
@click.argument("pages", nargs=-1, required=True, metavar="PAGE...")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROLES_DIR,
    show_default=True,
    help="Folder for the role files.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace role files that import did not write, or that were edited since.",
)
@click.option(
    "--accept-overview-value",
    "accept_overview",
    is_flag=True,
    help="Import a page that gives two values for one salary with its Market Overview's "
    "value, recording the decision in the role file (refused by default).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Show, for every fact, the sentence of the page it was read from.",
)
def import_(
    pages: tuple[str, ...], out_dir: Path, force: bool, accept_overview: bool, explain: bool
) -> None:
    """Import market-intelligence PAGE... (text files; - is stdin) into role files.

    Every fact is read from a sentence that names it, or the page is refused by
    name. Repairs the scraped text (UTF-8 read as Thai, Windows-1252 or Latin-1,
    lost dashes, icon remnants; text still damaged is refused), finds the facts and
    writes one <slug>.json per page into --out (default: ./roles). A page that
    gives two different values for one fact is refused unless
    --accept-overview-value. A bad page is reported and the others still import;
    the exit code is 1 if any failed. A role file import did not write, or that was
    edited since, is never replaced without --force (import keeps the SHA-256 of
    what it wrote in --out/.exporter-imported).

    \b
    Example:
      exporter import ../shared/seeds/*.txt --out roles
      exporter import --explain page.txt --out /tmp/roles
      exporter import - --out /tmp/roles < page.txt
    """
    from exporter.ingest.importer import import_pages

    failed = 0
    outcomes = import_pages(
        pages, out_dir, sys.stdin.buffer, force=force, accept_overview=accept_overview
    )
    for outcome in outcomes:
        for warning in outcome.warnings:
            _warn(warning)
        if outcome.error is not None:
            failed += 1
            _fail(outcome.error)
            continue
        click.echo(f"wrote {outcome.path}")
        if explain:
            for item in outcome.evidence:
                click.echo(printable(f"  {item.fact} = {item.value}"))
                click.echo(printable(f"    read in {item.section}: {item.sentence}"))
    if failed:
        click.echo(f"{failed} of {len(pages)} pages failed", err=True)
        sys.exit(ExitCode.FAILED)


def _expand(paths: tuple[Path, ...]) -> Iterator[Path]:
    from exporter.model.rolefile import role_files

    for path in paths:
        if path.is_dir():
            yield from role_files(path)
        elif path.exists():
            yield path
        else:
            raise ExporterError(f"{path}: no such file or folder")
