"""``exporter serve``: run the application under uvicorn until SIGTERM or Ctrl-C.

On SIGTERM or SIGINT uvicorn stops accepting connections, lets requests in
flight finish for up to ``graceful_seconds``, runs the application's shutdown
(the workers stop), and this function returns: a clean stop is exit status 0.
uvicorn 0.29 and later re-raise the signal after a graceful shutdown, which would
make the process die of it (status 143); the signal is caught here instead.
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from starlette.applications import Starlette

#: Seconds requests in flight get to finish after SIGTERM.
GRACEFUL_SECONDS = 30


def run(
    app: Starlette, host: str, port: int, graceful_seconds: int = GRACEFUL_SECONDS
) -> list[int]:
    """Serve ``app`` until stopped; returns the signals that stopped it (empty if none)."""
    stopped: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            timeout_graceful_shutdown=graceful_seconds,
            log_level="info",
            server_header=False,
            proxy_headers=False,
        )
        uvicorn.Server(config).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return stopped
