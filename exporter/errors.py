"""Errors the exporter raises, and the exit codes the CLI maps them to.

Library errors know nothing of Click: the CLI turns any :class:`ExporterError`
into one clear message and an :class:`ExitCode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``exporter`` command."""

    OK = 0
    FAILED = 1  #: invalid input, or a render (or any role of a batch) failed
    USAGE = 2  #: wrong command-line usage (Click's own code)
    INTERRUPTED = 130  #: stopped by Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention)


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field; ``field`` is a dotted path, empty for the whole file."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ExporterError(Exception):
    """Base of every error that is the user's input, not a bug."""


class ProblemsError(ExporterError):
    """An input with every problem found in it: one line for one, an indented list for more."""

    def __init__(self, source: str, problems: Sequence[object]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return f"{self.source}: {self.problems[0]}"
        lines = [f"{self.source}: {len(self.problems)} problems"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class RoleError(ProblemsError):
    """A role file (or role data) is invalid; ``problems`` are :class:`FieldProblem` s."""

    problems: tuple[FieldProblem, ...]

    def __init__(self, source: str, problems: Sequence[FieldProblem]) -> None:
        super().__init__(source, problems)


class BrandError(ExporterError):
    """The brand file is invalid or names files that are missing."""


class RenderError(ExporterError):
    """A writer failed to produce a document for a role."""


class PageError(ProblemsError):
    """A market-intelligence page cannot be imported; lists everything that is missing."""

    problems: tuple[str, ...]

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        super().__init__(source, problems)
