"""How a batch shows its progress: a bar on a terminal, plain lines otherwise, or nothing.

Progress goes to stderr, so that ``--json`` output on stdout stays clean.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from exporter.engine.records import FailedRecord, RoleRecord

#: What exporting one role came to.
Outcome = RoleRecord | FailedRecord


class Progress(Protocol):
    """Receives a batch's events."""

    def start(self, total: int, todo: int) -> None: ...

    def done(self, outcome: Outcome) -> None: ...

    def finish(self) -> None: ...


class Silent:
    """``--quiet``: nothing."""

    def start(self, total: int, todo: int) -> None:
        pass

    def done(self, outcome: Outcome) -> None:
        pass

    def finish(self) -> None:
        pass


class _Counting:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = self.todo = self.count = self.failed = 0
        self.started = time.monotonic()

    def start(self, total: int, todo: int) -> None:
        self.total, self.todo = total, todo
        self.started = time.monotonic()

    def _tally(self, outcome: Outcome) -> None:
        self.count += 1
        self.failed += isinstance(outcome, FailedRecord)

    def time_left(self) -> str:
        if not self.count:
            return "--:--"
        elapsed = time.monotonic() - self.started
        return clock(elapsed / self.count * (self.todo - self.count))


class Lines(_Counting):
    """Not a terminal: one plain line per finished role."""

    def start(self, total: int, todo: int) -> None:
        super().start(total, todo)
        up_to_date = total - todo
        self.stream.write(f"{todo} of {total} roles to render ({up_to_date} up to date)\n")
        self.stream.flush()

    def done(self, outcome: Outcome) -> None:
        self._tally(outcome)
        width = len(str(self.todo))
        where = f"[{self.count:>{width}}/{self.todo}]"
        if isinstance(outcome, FailedRecord):
            line = f"{where} FAILED {outcome.source}: {outcome.error}"
        else:
            files = ", ".join(
                o.file + (f" ({o.pages} pages)" if o.pages is not None else "")
                for o in outcome.outputs
            )
            seconds = sum(o.render_seconds for o in outcome.outputs)
            line = f"{where} {files} in {seconds:.2f} s"
        self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        pass


class Bar(_Counting):
    """A terminal: one bar redrawn in place (done/total, failures, time left)."""

    WIDTH = 30

    def start(self, total: int, todo: int) -> None:
        super().start(total, todo)
        self._last = 0.0
        self._draw(force=True)

    def done(self, outcome: Outcome) -> None:
        self._tally(outcome)
        failed = isinstance(outcome, FailedRecord)
        if isinstance(outcome, FailedRecord):  # name failures as they happen, above the bar
            self.stream.write(f"\r\x1b[2KFAILED {outcome.source}: {outcome.error}\n")
        self._draw(force=failed or self.count == self.todo)

    def finish(self) -> None:
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        filled = self.WIDTH * self.count // self.todo if self.todo else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        self.stream.write(
            f"\r\x1b[2K[{bar}] {self.count}/{self.todo}{failed}, {self.time_left()} left"
        )
        self.stream.flush()


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def for_stream(stream: TextIO | None = None, quiet: bool = False) -> Progress:
    """The right progress display for ``stream`` (stderr by default)."""
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return Silent()
    if stream.isatty():
        return Bar(stream)
    return Lines(stream)
