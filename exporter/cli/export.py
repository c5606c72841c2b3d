"""Commands that write reports: render, overview, batch, merge."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from exporter.errors import ExitCode
from exporter.model.text_policy import printable

if TYPE_CHECKING:
    from exporter.batch.report import BatchReport
    from exporter.engine.export import Outcome
    from exporter.engine.jobs import JobResult, Limits
    from exporter.engine.settings import Settings

from exporter.cli.common import (
    DEFAULT_ROLES_DIR,
    _fail,
    _formats,
    _warn,
    format_option,
    limit_options,
    out_option,
    render_options,
    roles_dir_argument,
    settle,
)


@click.command(short_help="Render roles (files or slugs) to PDF and DOCX.")
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
    roles: tuple[str, ...], fmt: str, out_dir: Path, roles_dir: Path, settings: Settings
) -> None:
    """Render ROLE... (role JSON files or slugs of roles in --roles-dir).

    \b
    Example:
      exporter render fixtures/roles/machine-learning-lead-canada.json --format pdf
      exporter render lead-backend-specialist-canada --roles-dir fixtures/roles
    """
    from exporter.engine.export import export_files
    from exporter.engine.records import FailedRecord
    from exporter.model.rolefile import find_role

    settings = dataclasses.replace(settings, formats=_formats(fmt))
    brand = settings.check().brand  # loaded once: the renders below use it
    paths = [find_role(name, roles_dir) for name in roles]
    settle()
    outcomes = export_files(
        paths, out_dir, settings, on_done=_reporter(out_dir), on_warning=_warn, brand=brand
    )
    if any(isinstance(outcome, FailedRecord) for outcome in outcomes):
        sys.exit(ExitCode.FAILED)


@click.command(short_help="Write one PDF and DOCX overview of every role.")
@roles_dir_argument
@format_option
@out_option
@render_options
def overview(roles_dir: Path, fmt: str, out_dir: Path, settings: Settings) -> None:
    """Write one overview of every role in ROLES_DIR: --out/overview.pdf and .docx.

    A table of every role, a ranking per country by projected salary, and links to
    each role's own files (relative: write it into the folder `exporter batch` wrote).
    Any invalid role file is an error naming it and nothing is written.

    \b
    Example:
      exporter overview fixtures/roles --out dist --watermark DRAFT
    """
    from exporter.api import render_overview
    from exporter.files import write_atomic
    from exporter.model.rolefile import load_role, role_folder

    settings = dataclasses.replace(settings, formats=_formats(fmt))
    options = settings.check()
    roles = [load_role(path) for path in role_folder(roles_dir)]
    settle()
    for kind in settings.formats:
        path = out_dir / f"overview.{kind}"
        write_atomic(path, render_overview(roles, kind, options))
        click.echo(f"wrote {path}")


@click.command(short_help="Export a folder of roles, redoing only what changed.")
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
@limit_options
@click.option("--zip", "make_zip", is_flag=True, help="Also write reports.zip of all outputs.")
@click.option(
    "--overview",
    "with_overview",
    is_flag=True,
    help="Also write overview.pdf/.docx of every exported role (as `exporter overview`), "
    "rendered again only when a role changed.",
)
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
    settings: Settings,
    jobs: int | None,
    force: bool,
    fail_fast: bool,
    limits: Limits,
    make_zip: bool,
    with_overview: bool,
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
      exporter batch fixtures/roles --out dist --jobs 2 --zip --overview
      exporter batch fixtures/roles --out dist --dask tcp://scheduler:8786
      exporter batch fixtures/roles --out dist --shard 2/8   # then: exporter merge dist
    """
    import contextlib

    from exporter.batch import progress
    from exporter.batch.run import run_batch
    from exporter.model.rolefile import role_folder

    sharding = _shard_options(shard, make_zip, with_overview)
    with contextlib.ExitStack() as stack:
        if dask_address is not None:
            from exporter.batch.distributed import dask_cluster
            from exporter.engine.executors import default_jobs

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
            overview=with_overview,
            **sharding,
        )
    _present(report, as_json)


def _shard_options(shard: str | None, make_zip: bool, with_overview: bool) -> dict[str, Any]:
    """``run_batch``'s arguments for ``--shard`` (none without it)."""
    if shard is None:
        return {}
    from exporter.batch.shards import parse_shard

    if make_zip:
        raise click.UsageError("--zip with --shard: pass --zip to `exporter merge` instead")
    if with_overview:
        raise click.UsageError(
            "--overview with --shard: run `exporter overview` after `exporter merge`"
        )
    part = parse_shard(shard, os.environ)
    return {"manifest_name": part.manifest_name, "select": part.holds}


def _present(report: BatchReport, as_json: bool) -> None:
    """Print a batch's warnings, summary and failures; exit with its status."""
    import json

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


@click.command(short_help="Merge the shards' manifests in DIR into manifest.json.")
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


def _reporter(out_dir: Path) -> Callable[[Path, Outcome, JobResult | None], None]:
    """Prints each role's outcome as ``exporter render`` finishes it."""
    from exporter.engine.records import FailedRecord

    def report(path: Path, outcome: Outcome, result: JobResult | None) -> None:
        if isinstance(outcome, FailedRecord):
            _fail(outcome.error)
            return
        for output in outcome.outputs:
            size, seconds = output.size, output.render_seconds
            click.echo(f"wrote {out_dir / output.file} ({size:,} bytes, {seconds:.2f} s)")

    return report
