"""What the commands share: messages, options, defaults."""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from exporter.model.text_policy import printable

if TYPE_CHECKING:
    from exporter.api import Format
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


#: Set by :func:`exporter.cli.main`: this process is the ``exporter`` command's own,
#: so process-wide settings (:func:`settle`) are ours to change. Not under CliRunner.
OWN_PROCESS = False


def settle() -> None:
    """Hide everything start-up made from the garbage collector, for the rest of the command.

    By the time a command renders, this process holds Click, pydantic's schemas,
    WeasyPrint's parsed stylesheets and fonts: some 75,000 long-lived objects.
    Every full collection during a render would walk all of them again
    (about 60 ms of a one-role ``render``, twice what the ``weasyprint`` command
    spends on collection). Frozen, they are still freed by reference counting;
    only their cycles are never collected, and start-up leaves none worth having.
    Batch workers do the same after their warm-up (:mod:`exporter.engine.jobs`).

    Only in the command's own process (:data:`OWN_PROCESS`): a program that runs
    the commands in its own process (a test's CliRunner) keeps its collector as it was.
    """
    if OWN_PROCESS:
        gc.freeze()


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
    from exporter.render.pdf.variants import DEFAULT_VARIANT, PDF_VARIANTS

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
    @click.option(
        "--no-embed-fonts",
        is_flag=True,
        help="Do not embed the brand's fonts in the DOCX (embedded, subset, by default).",
    )
    @click.option(
        "--watermark",
        default="",
        metavar="TEXT",
        help="Text (e.g. DRAFT) across every page of the PDF and DOCX, behind the content.",
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
        no_embed_fonts: bool,
        watermark: str,
        **kwargs: Any,
    ) -> Any:
        from exporter.api import DocxOptions, PdfOptions
        from exporter.engine.settings import Settings

        settings = Settings(
            brand_file=brand_file,
            pdf=PdfOptions(pdf_variant, not no_attach, templates_dir, watermark),
            docx=DocxOptions(docx_template, not no_embed_fonts, watermark),
        )
        return command(*args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


def limit_options(command: F) -> F:
    """``--time-limit`` and ``--memory-limit``, gathered into ``limits`` (a per-role Limits)."""

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
    @wraps(command)
    def wrapper(*args: Any, time_limit: float, memory_limit: int, **kwargs: Any) -> Any:
        from exporter.engine.jobs import Limits

        limits = Limits(seconds=time_limit, memory_mb=memory_limit)
        return command(*args, limits=limits, **kwargs)

    return wrapper  # type: ignore[return-value]
