"""The ``exporter`` command: a thin Click layer over the library.

Each command parses its options, calls one library function and prints what it
returned. One place, :class:`ExporterGroup`, turns errors into messages and exit
codes: an :class:`~exporter.errors.ExporterError` or an I/O error is one line on
stderr and exit code 1, Ctrl-C is 130, and nothing the user can cause prints a
traceback. Heavy imports (WeasyPrint, python-docx) happen inside the commands,
so ``--help`` is instant.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from exporter.errors import ExitCode, ExporterError
from exporter.model.text_policy import printable
from exporter.version import __version__

if TYPE_CHECKING:
    from exporter.api import Format
    from exporter.batch.export import Outcome
    from exporter.batch.settings import RenderSettings
    from exporter.batch.workers import JobResult
    from exporter.model.rolefile import RoleWarning

#: Where role files are read from and imported to when no folder is given.
DEFAULT_ROLES_DIR = Path("roles")
DEFAULT_OUT_DIR = Path("dist")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    # Messages quote file names and role data: escape what could drive the terminal.
    click.echo(f"error: {printable(message)}", err=True)


def _warn(warning: RoleWarning | str) -> None:
    # Warnings quote role data and page text too: escaped like errors.
    click.echo(f"warning: {printable(str(warning))}", err=True)


class ExporterGroup(click.Group):
    """The command group, and the one place errors become messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except ExporterError as exc:
            _fail(str(exc))
        except OSError as exc:  # e.g. an output folder that cannot be created
            _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # a bug: still one line, with a way to see the traceback
            if os.environ.get("EXPORTER_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (EXPORTER_DEBUG=1 shows details)")
        ctx.exit(ExitCode.FAILED)


def _formats(choice: str) -> tuple[Format, ...]:
    from exporter.api import FORMATS

    return FORMATS if choice == "all" else tuple(f for f in FORMATS if f == choice)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx", "all"]),
    default="all",
    show_default=True,
    help="Which outputs to write.",
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Output folder.",
)
brand_option = click.option(
    "--brand",
    "brand_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Brand file (TOML); default: the bundled brand.",
)
roles_dir_argument = click.argument(
    "roles_dir",
    required=False,
    default=DEFAULT_ROLES_DIR,
    type=click.Path(file_okay=False, path_type=Path),
)


def render_options(command: F) -> F:
    """The options every rendering command shares, gathered into ``settings``."""
    from exporter.render.variants import DEFAULT_VARIANT, PDF_VARIANTS

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
    @click.option(
        "--templates",
        "templates_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder of report templates; a template found there replaces the bundled one.",
    )
    @brand_option
    @wraps(command)
    def wrapper(
        *args: Any,
        pdf_variant: str,
        no_attach: bool,
        docx_template: Path | None,
        templates_dir: Path | None,
        brand_file: Path | None,
        **kwargs: Any,
    ) -> Any:
        from exporter.batch.settings import RenderSettings

        settings = RenderSettings(
            brand_file=brand_file,
            pdf_variant=pdf_variant,
            attach=not no_attach,
            docx_template=docx_template,
            templates_dir=templates_dir,
        )
        return command(*args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group(cls=ExporterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exporter")
def cli() -> None:
    """Turn role salary data into branded PDF reports and editable Word briefings."""


@cli.command()
@click.argument("roles", nargs=-1, required=True)
@format_option
@out_option
@click.option(
    "--roles-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROLES_DIR,
    show_default=True,
    help="Where to look up a ROLE given as a slug.",
)
@render_options
def render(
    roles: tuple[str, ...], fmt: str, out_dir: Path, roles_dir: Path, settings: RenderSettings
) -> None:
    """Render ROLE... (role JSON files or slugs of roles in --roles-dir).

    \b
    Example:
      exporter render fixtures/roles/machine-learning-lead-canada.json --format pdf
      exporter render lead-backend-specialist-canada --roles-dir fixtures/roles
    """
    from exporter.batch.export import export_files
    from exporter.batch.manifest import FailedRecord
    from exporter.model.rolefile import find_role

    settings = dataclasses.replace(settings, formats=_formats(fmt))
    settings.check()
    paths = [find_role(name, roles_dir) for name in roles]
    outcomes = export_files(paths, out_dir, settings, on_done=_reporter(out_dir), on_warning=_warn)
    if any(isinstance(outcome, FailedRecord) for outcome in outcomes):
        sys.exit(ExitCode.FAILED)


@cli.command()
@roles_dir_argument
@format_option
@out_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes.  [default: one per core]",
)
@click.option("--force", is_flag=True, help="Render every role, even those that are up to date.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first role that fails.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds one role may take before it is stopped and reported failed.",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=64),
    default=1024,
    show_default=True,
    help="MB of memory one role may add to its worker before it is stopped.",
)
@click.option("--zip", "make_zip", is_flag=True, help="Also write reports.zip of all outputs.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    default=None,
    help="Render on a Dask cluster: a scheduler (tcp://host:8786) or 'local' (--jobs workers).",
)
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    help="Render only shard K of N (auto/N: K from the job array's index); see `exporter merge`.",
)
@render_options
def batch(
    roles_dir: Path,
    fmt: str,
    out_dir: Path,
    settings: RenderSettings,
    jobs: int | None,
    force: bool,
    fail_fast: bool,
    time_limit: float,
    memory_limit: int,
    make_zip: bool,
    as_json: bool,
    quiet: bool,
    dask_address: str | None,
    shard: str | None,
) -> None:
    """Export every role in ROLES_DIR (default: ./roles) into --out.

    One PDF and one DOCX per role, named by the role's slug, rendered by worker
    processes. Only roles whose data, templates, styles, brand or exporter version
    changed since their files were made are rendered again (--force: all).
    --out also gets manifest.json (hashes, page counts, failures) and index.html.
    A failing role is reported and the others still export; the exit code is 1 if
    any failed, 130 if the batch was interrupted.

    \b
    Example:
      exporter batch fixtures/roles --out dist --jobs 2 --zip
      exporter batch fixtures/roles --out dist --dask tcp://scheduler:8786
      exporter batch fixtures/roles --out dist --shard 2/8   # then: exporter merge dist
    """
    import contextlib
    import json

    from exporter.batch import progress
    from exporter.batch.run import Limits, run_batch
    from exporter.model.rolefile import role_folder

    limits = Limits(seconds=time_limit, memory_mb=memory_limit)
    sharding: dict[str, Any] = {}
    if shard is not None:
        from exporter.batch.shards import parse_shard

        if make_zip:
            raise click.UsageError("--zip with --shard: pass --zip to `exporter merge` instead")
        part = parse_shard(shard, os.environ)
        sharding = {"manifest_name": part.manifest_name, "select": part.holds}
    with contextlib.ExitStack() as stack:
        if dask_address is not None:
            from exporter.batch.distributed import dask_cluster
            from exporter.batch.pool import default_jobs

            workers = jobs or (default_jobs() if dask_address == "local" else 0)
            cluster = stack.enter_context(dask_cluster(dask_address, workers, limits))
            sharding.update(jobs=cluster.workers, executor_factory=cluster.factory)
        else:
            sharding.update(jobs=jobs)
        paths = role_folder(roles_dir)
        report = run_batch(
            paths,
            out_dir,
            dataclasses.replace(settings, formats=_formats(fmt)),
            force=force,
            fail_fast=fail_fast,
            limits=limits,
            progress=progress.for_stream(sys.stderr, quiet=quiet),
            make_zip=make_zip,
            **sharding,
        )
    for warning in report.warnings:
        _warn(warning)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    click.echo(report.summary(), err=as_json)
    if report.failures:
        click.echo("failed:", err=True)
        for failure in sorted(report.failures, key=lambda f: f.source):
            click.echo("  " + printable(failure.error).replace("\n", "\n  "), err=True)
    for error in report.errors:
        _fail(error)
    if report.interrupted:
        _fail("interrupted: the files written so far are whole; run again to finish")
        sys.exit(ExitCode.INTERRUPTED)
    if not report.ok:
        sys.exit(ExitCode.FAILED)


@cli.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--zip", "make_zip", is_flag=True, help="Also write reports.zip of all outputs.")
def merge(out_dir: Path, make_zip: bool) -> None:
    """Combine the shards' manifests in DIR into manifest.json and index.html.

    After every `exporter batch --shard K/N --out DIR` has exited, writes what one
    unsharded batch would have written. Refuses when a shard is missing or two
    shards disagree. The exit code is 1 if any role failed.

    \b
    Example:
      exporter merge dist --zip
    """
    from exporter.batch.shards import merge as merge_shards

    report = merge_shards(out_dir, make_zip)
    click.echo(report.summary())
    if report.manifest.failed:
        click.echo("failed:", err=True)
        for failure in sorted(report.manifest.failed, key=lambda f: f.source):
            click.echo("  " + printable(failure.error).replace("\n", "\n  "), err=True)
        sys.exit(ExitCode.FAILED)


@cli.command()
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


@cli.command("list")
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


@cli.command()
@roles_dir_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes that render.  [default: one per core]",
)
@click.option(
    "--queue",
    type=click.IntRange(min=0),
    default=32,
    show_default=True,
    help="Renders that may wait for a worker; past that, requests get 503.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache folder (an `exporter batch` --out folder serves as a warm cache).  "
    "[default: ~/.cache/exporter/serve]",
)
@click.option(
    "--cache-size",
    type=click.IntRange(min=1),
    default=512,
    show_default=True,
    help="MB of rendered files the cache keeps (least recently used go first).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds one render may take.",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=64),
    default=1024,
    show_default=True,
    help="MB of memory one render may add to its worker.",
)
@click.option(
    "--enable-render-api",
    is_flag=True,
    help="Accept POST /render (role JSON in, file out); $EXPORTER_API_TOKEN, if set, "
    "is required as a bearer token.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Origin allowed to fetch the files from a browser (repeatable; default: none).",
)
@render_options
def serve(
    roles_dir: Path,
    host: str,
    port: int,
    jobs: int | None,
    queue: int,
    cache_dir: Path | None,
    cache_size: int,
    time_limit: float,
    memory_limit: int,
    enable_render_api: bool,
    cors_origins: tuple[str, ...],
    settings: RenderSettings,
) -> None:
    """Serve every role in ROLES_DIR (default: ./roles) as PDF and DOCX over HTTP.

    Opens a web page listing the roles with their downloads, rendered on demand
    and cached; an edited role file is served fresh without a restart. Needs the
    serve extra: pip install 'exporter[serve]'. Stops cleanly on SIGTERM/Ctrl-C.

    \b
    Example:
      exporter serve fixtures/roles --port 8000
    """
    try:
        from exporter.service import create_app
        from exporter.service.server import run
    except ImportError as exc:
        raise ExporterError(
            f"exporter serve needs the serve extra (pip install 'exporter[serve]'): {exc}"
        ) from None
    from exporter.batch.workers import Limits
    from exporter.model.rolefile import role_folder

    role_folder(roles_dir)  # a clear error now for a missing or empty folder
    app = create_app(
        roles_dir,
        settings=settings,
        cache_dir=cache_dir,
        cache_bytes=cache_size * 1024 * 1024,
        jobs=jobs,
        queue=queue,
        limits=Limits(seconds=time_limit, memory_mb=memory_limit),
        enable_render_api=enable_render_api,
        api_token=os.environ.get("EXPORTER_API_TOKEN") or None,
        cors_origins=cors_origins,
    )
    click.echo(f"serving {printable(str(roles_dir))} on http://{host}:{port}/", err=True)
    run(app, host, port)


@cli.command()
@click.argument("role", metavar="ROLE")
@click.option(
    "--roles-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROLES_DIR,
    help="Folder to find ROLE in when it is a slug.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@render_options
def preview(
    role: str, roles_dir: Path, host: str, port: int, open_browser: bool, settings: RenderSettings
) -> None:
    """Show ROLE's PDF and DOCX in a web page that re-renders as you edit.

    Watches the role file, the brand file and the files it names, the templates,
    styles/ and the Word reference; the page reloads itself after each save and
    shows a mistake (with its file and line or key) beside the last good render.
    Needs the serve extra: pip install 'exporter[serve]'.

    \b
    Example:
      exporter preview fixtures/roles/machine-learning-lead-canada.json --brand my/brand.toml
    """
    try:
        from exporter.service.preview import serve_preview
    except ImportError as exc:
        raise ExporterError(
            f"exporter preview needs the serve extra (pip install 'exporter[serve]'): {exc}"
        ) from None
    from exporter.model.rolefile import find_role

    path = find_role(role, roles_dir)
    click.echo(f"previewing {printable(str(path))} on http://{host}:{port}/", err=True)
    serve_preview(settings, path, host, port, open_browser)


@cli.command("reference-docx")
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
@click.option(
    "--force",
    is_flag=True,
    help="Replace role files that import did not write, or that were edited since.",
)
def import_(pages: tuple[str, ...], out_dir: Path, force: bool) -> None:
    """Import market-intelligence PAGE... (text files; - is stdin) into role files.

    Repairs the scraped text (UTF-8 read as Thai, lost dashes, icon remnants),
    finds the facts and writes one <slug>.json per page into --out (default:
    ./roles). A bad page is reported and the others still import; the exit code
    is 1 if any failed. A role file import did not write, or that was edited
    since, is never replaced without --force (import keeps the SHA-256 of what it
    wrote in --out/.exporter-imported).

    \b
    Example:
      exporter import ../shared/seeds/*.txt --out roles
      exporter import - --out /tmp/roles < page.txt
    """
    from exporter.ingest.importer import import_pages

    failed = 0
    for outcome in import_pages(pages, out_dir, sys.stdin.buffer, force=force):
        for warning in outcome.warnings:
            _warn(warning)
        if outcome.error is not None:
            failed += 1
            _fail(outcome.error)
        else:
            click.echo(f"wrote {outcome.path}")
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


def _reporter(out_dir: Path) -> Callable[[Path, Outcome, JobResult | None], None]:
    """Prints each role's outcome as ``exporter render`` finishes it."""
    from exporter.batch.manifest import FailedRecord

    def report(path: Path, outcome: Outcome, result: JobResult | None) -> None:
        if isinstance(outcome, FailedRecord):
            _fail(outcome.error)
            return
        for output in outcome.outputs:
            size, seconds = output.size, output.render_seconds
            click.echo(f"wrote {out_dir / output.file} ({size:,} bytes, {seconds:.2f} s)")

    return report


def main() -> None:
    """Console-script entry point; SIGTERM stops the command as Ctrl-C does (exit 130)."""
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    cli(prog_name="exporter")
