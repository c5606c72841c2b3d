"""What SIGINT and SIGTERM do while a batch runs (main thread only).

They only ask the batch to stop (:class:`~exporter.engine.pool.Stop`): the first
lets running roles finish, a second kills the workers. Once a stop was asked
for and the batch is done, stop signals are ignored until the process exits, so
however many arrive, and however late, the batch ends with its records written
and exit status 130 (a handler put back too early, or a Python handler that the
interpreter resets while it finalizes, let a late signal kill it with 143). A batch
that no signal stopped puts the previous handlers back.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from exporter.engine.pool import Stop

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _on_signals(handler: Callable[[int, FrameType | None], None], stop: Stop) -> Iterator[None]:
    """``handler`` answers SIGINT and SIGTERM while the block runs, and for good once
    ``stop`` was requested; outside the main thread signals are left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.signal(sig, handler) for sig in _SIGNALS}
    try:
        yield
    finally:
        if stop.requested:  # the process is on its way out: later signals change nothing
            for sig in _SIGNALS:
                # Ignored, not handled in Python: the interpreter puts every Python handler
                # back to the default as it finalizes, where a late TERM would kill it.
                signal.signal(sig, signal.SIG_IGN)
        else:
            for sig, old in before.items():
                signal.signal(sig, old if old is not None else signal.SIG_DFL)


def signals_stop(stop: Stop) -> contextlib.AbstractContextManager[None]:
    """SIGINT and SIGTERM ask the batch to stop instead of raising mid-write."""
    return _on_signals(lambda signum, frame: stop.request(), stop)


def signals_raise(stop: Stop) -> contextlib.AbstractContextManager[None]:
    """SIGINT and SIGTERM ask to stop and raise KeyboardInterrupt (for work done in
    this process, such as the overview, that a signal may cut short)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        stop.request()
        raise KeyboardInterrupt

    return _on_signals(interrupt, stop)
