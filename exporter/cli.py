"""The ``exporter`` command: a thin Click layer over the library.

Each command parses its options, calls a library function and reports. Every
:class:`~exporter.errors.ExporterError` becomes one message on stderr and exit
code 1; nothing the user can cause prints a traceback. Heavy imports (WeasyPrint,
python-docx) happen inside the commands, so ``--help`` is instant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from exporter import __version__
from exporter.batch import FORMATS, Failure, Output
from exporter.errors import ExitCode, ExporterError, RoleError
from exporter.role import Role, RoleWarning, load_role, load_role_checked, role_files
from exporter.text_policy import printable

if TYPE_CHECKING:
    from exporter.api import RenderOptions

DEFAULT_ROLES_DIR = Path("fixtures/roles")
DEFAULT_OUT_DIR = Path("dist")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    # Messages quote file names and role data: escape what could drive the terminal.
    click.echo(f"error: {printable(message)}", err=True)


def _warn(warning: RoleWarning) -> None:
    click.echo(f"warning: {printable(str(warning))}", err=True)


def friendly_errors(command: F) -> F:
    """Turn library errors into one message and a non-zero exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ExporterError as exc:
            _fail(str(exc))
            sys.exit(ExitCode.FAILED)
        except OSError as exc:  # e.g. an output folder that cannot be created
            _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
            sys.exit(ExitCode.FAILED)
        except Exception as exc:  # a bug: still one line, with a way to see the traceback
            if os.environ.get("EXPORTER_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (EXPORTER_DEBUG=1 shows details)")
            sys.exit(ExitCode.FAILED)

    return wrapper  # type: ignore[return-value]


def _formats(choice: str) -> tuple[str, ...]:
    return FORMATS if choice == "all" else (choice,)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx", "all"]),
    default="all",
    show_default=True,
    help="Which outputs to write.",
)
brand_option = click.option(
    "--brand",
    "brand_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Brand file (TOML); default: styles/brand.toml.",
)


def render_options(command: F) -> F:
    """The options every rendering command shares, gathered into ``options``."""
    from exporter.variants import DEFAULT_VARIANT, PDF_VARIANTS

    @click.option(
        "--pdf-variant",
        type=click.Choice(PDF_VARIANTS),
        default=DEFAULT_VARIANT,
        show_default=True,
        help="PDF standard to write (PDF/UA for accessibility, PDF/A for archives).",
    )
    @click.option(
        "--no-attach",
        is_flag=True,
        help="Do not embed the role's data in the PDF (embedded by default, as provenance).",
    )
    @click.option(
        "--docx-template",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Reference .docx whose styles the DOCX uses (see `exporter reference-docx`).",
    )
    @brand_option
    @wraps(command)
    def wrapper(
        *args: Any,
        pdf_variant: str,
        no_attach: bool,
        docx_template: Path | None,
        brand_file: Path | None,
        **kwargs: Any,
    ) -> Any:
        from exporter.api import RenderOptions
        from exporter.brand import load_brand

        options = RenderOptions(
            brand=load_brand(brand_file),
            pdf_variant=pdf_variant,
            attach=not no_attach,
            docx_template=docx_template,
        ).check()
        return command(*args, options=options, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exporter")
def cli() -> None:
    """Turn role salary data into branded PDF reports and editable Word briefings."""


@cli.command()
@click.argument("roles", nargs=-1, required=True)
@format_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--roles-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROLES_DIR,
    show_default=True,
    help="Where to look up a ROLE given as a slug.",
)
@friendly_errors
@render_options
def render(
    roles: tuple[str, ...], fmt: str, out_dir: Path, roles_dir: Path, options: RenderOptions
) -> None:
    """Render ROLE... (role JSON files or slugs of roles in --roles-dir).

    \b
    Example:
      exporter render fixtures/roles/machine-learning-lead-canada.json --format pdf
      exporter render lead-backend-specialist-canada --out /tmp/reports
    """
    from exporter.batch import export_files

    paths = [_resolve_role(name, roles_dir) for name in roles]
    result = export_files(
        paths, out_dir, _formats(fmt), options, on_done=_report_one, on_warning=_warn
    )
    if not result.ok:
        sys.exit(ExitCode.FAILED)


@cli.command()
@click.argument(
    "roles_dir",
    required=False,
    default=DEFAULT_ROLES_DIR,
    type=click.Path(file_okay=False, path_type=Path),
)
@format_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Output folder.",
)
@friendly_errors
@render_options
def batch(roles_dir: Path, fmt: str, out_dir: Path, options: RenderOptions) -> None:
    """Export every role in ROLES_DIR (default: fixtures/roles) into --out.

    One PDF and one DOCX per role, named by the role's slug. A failing role is
    reported and the others still export; the exit code is 1 if any failed.

    \b
    Example:
      exporter batch fixtures/roles --out dist
    """
    from exporter.batch import export_files

    paths = _role_folder(roles_dir)
    result = export_files(
        paths, out_dir, _formats(fmt), options, on_done=_report_one, on_warning=_warn
    )
    done = len(paths) - len(result.failures)
    click.echo(
        f"{done} of {len(paths)} roles exported to {out_dir}"
        + (f", {len(result.failures)} failed" if result.failures else "")
    )
    if result.failures:
        click.echo("failed:", err=True)
        for failure in result.failures:
            click.echo(f"  {printable(failure.source)}", err=True)
        sys.exit(ExitCode.FAILED)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@friendly_errors
def validate(paths: tuple[Path, ...]) -> None:
    """Check role files (or folders of them) against the schema.

    Every problem in every file is reported at once, naming the file and field.

    \b
    Example:
      exporter validate fixtures/roles
    """
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


@cli.command("list")
@click.argument(
    "roles_dir",
    required=False,
    default=DEFAULT_ROLES_DIR,
    type=click.Path(file_okay=False, path_type=Path),
)
@friendly_errors
def list_roles(roles_dir: Path) -> None:
    """List the roles in ROLES_DIR: slug, role, country and key figures.

    \b
    Example:
      exporter list fixtures/roles
    """
    from exporter import formatting as fmt

    rows = []
    failed = 0
    for path in _role_folder(roles_dir):
        try:
            loaded = load_role_checked(path)
        except RoleError as exc:
            failed += 1
            _fail(str(exc))
            continue
        for warning in loaded.warnings:
            _warn(warning)
        role = loaded.role
        cur, country = role.salary.currency, role.country
        rows.append(
            (
                role.slug,
                role.role,
                country,
                fmt.money(role.salary.current_average, cur, country),
                fmt.money(role.salary.projected, cur, country),
                fmt.percent(role.change_ratio, country),
                fmt.integer(role.data_points, country)
                + (" (small sample)" if role.small_sample else ""),
            )
        )
    header = ("SLUG", "ROLE", "COUNTRY", "CURRENT", "PROJECTED", "CHANGE", "DATA POINTS")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if failed:
        sys.exit(ExitCode.FAILED)


@cli.command("reference-docx")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@brand_option
@friendly_errors
def reference_docx(out: Path, brand_file: Path | None) -> None:
    """Write the reference .docx (every style the briefing uses) to OUT.

    Open it in Word, change the styles, save it and pass it back with
    --docx-template: every briefing then uses your styles.

    \b
    Example:
      exporter reference-docx my-styles.docx
      exporter batch --docx-template my-styles.docx
    """
    from exporter.batch import write_atomic
    from exporter.brand import load_brand
    from exporter.docx_styles import reference_docx as build

    write_atomic(out, build(load_brand(brand_file)))
    click.echo(f"wrote {out}")


@cli.command("import", short_help="Import market-intelligence pages into role files.")
@click.argument("pages", nargs=-1, required=True, metavar="PAGE...")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROLES_DIR,
    show_default=True,
    help="Folder for the role files.",
)
@friendly_errors
def import_(pages: tuple[str, ...], out_dir: Path) -> None:
    """Import market-intelligence PAGE... (text files; - is stdin) into role files.

    Repairs the scraped text (UTF-8 read as Thai, lost dashes, icon remnants),
    finds the facts and writes one <slug>.json per page into --out. A bad page
    is reported and the others still import; the exit code is 1 if any failed.

    \b
    Example:
      exporter import ../shared/seeds/*.txt --out fixtures/roles
      exporter import - --out /tmp/roles < page.txt
    """
    from exporter.importer import import_pages

    failed = 0
    for outcome in import_pages(pages, out_dir, sys.stdin.buffer):
        for warning in outcome.warnings:
            click.echo(f"warning: {warning}", err=True)
        if outcome.error is not None:
            failed += 1
            _fail(outcome.error)
        else:
            click.echo(f"wrote {outcome.path}")
    if failed:
        click.echo(f"{failed} of {len(pages)} pages failed", err=True)
        sys.exit(ExitCode.FAILED)


def _expand(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from role_files(path)
        elif path.exists():
            yield path
        else:
            raise ExporterError(f"{path}: no such file or folder")


def _role_folder(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ExporterError(f"{folder}: no such folder of role files")
    paths = role_files(folder)
    if not paths:
        raise ExporterError(f"{folder}: no role files (*.json) in this folder")
    return paths


def _resolve_role(name: str, roles_dir: Path) -> Path:
    """A ROLE argument is a role file, or the slug of a role in ``roles_dir``."""
    path = Path(name)
    if path.is_file():
        return path
    candidate = roles_dir / f"{name}.json"
    if candidate.is_file():
        return candidate
    if roles_dir.is_dir():
        for file in role_files(roles_dir):
            try:
                role: Role = load_role(file)
            except RoleError:
                continue
            if role.slug == name:
                return file
    raise ExporterError(f"{name}: no such role file, and no role with that slug in {roles_dir}")


def _report_one(path: Path, outcome: list[Output] | Failure) -> None:
    if isinstance(outcome, Failure):
        _fail(outcome.message)
        return
    for output in outcome:
        for warning in output.warnings:
            click.echo(f"warning: {path}: {warning}", err=True)
        click.echo(f"wrote {output.path} ({output.size:,} bytes, {output.seconds:.2f} s)")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="exporter")
