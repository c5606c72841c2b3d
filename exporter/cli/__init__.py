"""The ``exporter`` command: a thin Click layer over the library.

Each command parses its options, calls one library function and prints what it
returned. One place, :class:`ExporterGroup`, turns errors into messages and exit
codes: an :class:`~exporter.errors.ExporterError` or an I/O error is one line on
stderr and exit code 1, Ctrl-C is 130, and nothing the user can cause prints a
traceback. Heavy imports (WeasyPrint, python-docx) happen inside the commands,
so ``--help`` is instant.
"""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

import click

from exporter.cli import common, export, roles, service
from exporter.cli.common import _fail
from exporter.errors import ExitCode, ExporterError
from exporter.version import __version__

__all__ = ["ExporterGroup", "cli", "main"]


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
            if common.OWN_PROCESS:  # on its way out: later stop signals change nothing
                for sig in _STOP_SIGNALS:
                    signal.signal(sig, signal.SIG_IGN)
            _fail("interrupted")
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # a bug: still one line, with a way to see the traceback
            if os.environ.get("EXPORTER_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (EXPORTER_DEBUG=1 shows details)")
        ctx.exit(ExitCode.FAILED)


@click.group(cls=ExporterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exporter")
def cli() -> None:
    """Turn role salary data into branded PDF reports and editable Word briefings."""


for _command in (
    export.render,
    export.overview,
    export.batch,
    export.merge,
    roles.validate,
    roles.list_roles,
    service.serve,
    service.preview,
    roles.reference_docx,
    roles.import_,
):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point (and ``python -m exporter``): the process is the command's.

    SIGTERM stops a command as Ctrl-C does (exit 130, whole files only), and once a
    command was interrupted further stop signals are ignored until the process exits,
    however late they land (after a batch returned, say). Commands that serve install
    their own handlers while they run.
    """
    common.OWN_PROCESS = True
    signal.signal(signal.SIGTERM, _interrupt)
    cli(prog_name="exporter")


#: The signals that stop a command.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
