"""The commands that serve reports over HTTP: serve, and preview for brand authors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exporter.errors import ExporterError
from exporter.model.text_policy import printable

if TYPE_CHECKING:
    from exporter.engine.jobs import Limits
    from exporter.engine.settings import Settings

from exporter.cli.common import (
    DEFAULT_ROLES_DIR,
    limit_options,
    render_options,
    roles_dir_argument,
)

_allowed_hosts = click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Host name clients may use (repeatable); other Host headers get 421. Behind a proxy, "
    "give the public name.  [default: the --host address and localhost]",
)


@click.command(short_help="Serve every role as PDF and DOCX over HTTP.")
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
@limit_options
@click.option(
    "--enable-render-api",
    is_flag=True,
    help="Accept POST /render (role JSON in, file out); $EXPORTER_API_TOKEN, if set, "
    "is required as a bearer token (set but empty is an error).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Origin allowed to fetch the files from a browser (repeatable; default: none).",
)
@_allowed_hosts
@render_options
def serve(
    roles_dir: Path,
    host: str,
    port: int,
    jobs: int | None,
    queue: int,
    cache_dir: Path | None,
    cache_size: int,
    limits: Limits,
    enable_render_api: bool,
    cors_origins: tuple[str, ...],
    allowed_hosts: tuple[str, ...],
    settings: Settings,
) -> None:
    """Serve every role in ROLES_DIR (default: ./roles) as PDF and DOCX over HTTP.

    Opens a web page listing the roles with their downloads, rendered on demand
    and cached; an edited role file, template, stylesheet or brand is served fresh
    without a restart (a template or brand that does not load is logged, and the last
    good one stays in use). Needs the serve extra: pip install 'exporter[serve]'.
    Stops cleanly on SIGTERM/Ctrl-C.

    \b
    Example:
      exporter serve fixtures/roles --port 8000
    """
    try:
        from exporter.service import create_app
        from exporter.service.guard import default_hosts
        from exporter.service.server import run
    except ImportError as exc:
        raise ExporterError(
            f"exporter serve needs the serve extra (pip install 'exporter[serve]'): {exc}"
        ) from None
    from exporter.model.rolefile import role_folder

    role_folder(roles_dir)  # a clear error now for a missing or empty folder
    app = create_app(
        roles_dir,
        settings=settings,
        cache_dir=cache_dir,
        cache_bytes=cache_size * 1024 * 1024,
        jobs=jobs,
        queue=queue,
        limits=limits,
        enable_render_api=enable_render_api,
        api_token=os.environ.get("EXPORTER_API_TOKEN"),
        cors_origins=cors_origins,
        allowed_hosts=allowed_hosts or default_hosts(host),
    )
    click.echo(f"serving {printable(str(roles_dir))} on http://{host}:{port}/", err=True)
    if not allowed_hosts and host in ("0.0.0.0", "::", ""):
        click.echo(
            "note: only Host names localhost and the bound address are answered; give the "
            "names clients use with --allowed-host NAME",
            err=True,
        )
    run(app, host, port)


@click.command(short_help="Show ROLE's PDF and DOCX live, re-rendered as you edit.")
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
@_allowed_hosts
@render_options
def preview(
    role: str,
    roles_dir: Path,
    host: str,
    port: int,
    open_browser: bool,
    allowed_hosts: tuple[str, ...],
    settings: Settings,
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
    serve_preview(settings, path, host, port, open_browser, allowed_hosts)
