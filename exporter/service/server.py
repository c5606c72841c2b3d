"""``exporter serve``: run the application under uvicorn until SIGTERM or Ctrl-C.

On SIGTERM or SIGINT uvicorn stops accepting connections, lets requests in
flight finish for up to ``graceful_seconds``, runs the application's shutdown
(the workers stop), and this function returns: a clean stop is exit status 0.
uvicorn 0.29 and later re-raise the signal after a graceful shutdown, which would
make the process die of it (status 143); the signal is caught here instead.

Slow clients: uvicorn closes a connection idle for :data:`KEEP_ALIVE_SECONDS`
after a response, but has no limit on how long a request's headers may take
(a client sending a byte every few seconds holds its connection for ever, and any
byte cancels the keep-alive timer). :class:`HeaderDeadline` adds one: the headers
must be complete within :data:`HEADER_SECONDS` of the connection opening or of the
previous response, else the server answers 408 and closes the connection. The
HTTP parser is h11, named here rather than picked by what happens to be
installed, so the behaviour (and this limit) does not change with httptools.
h11 accepts a request with both ``Content-Length`` and ``Transfer-Encoding`` and
keeps the connection; :class:`~exporter.service.guard.RequestGuard` answers it 400
and closes (httptools refuses such a request itself).
"""

from __future__ import annotations

import asyncio
import signal
from types import FrameType

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds requests in flight get to finish after SIGTERM.
GRACEFUL_SECONDS = 30

#: Seconds an idle keep-alive connection stays open after a response.
KEEP_ALIVE_SECONDS = 5

#: Seconds a request's headers may take to arrive, from the connection opening or the
#: previous response.
HEADER_SECONDS = 10.0

#: Bytes a request line and headers may take together (h11's own default is 16 KiB).
MAX_HEADER_BYTES = 32 * 1024

_TIMEOUT_BODY = b"request headers took too long\n"
_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\nconnection: close\r\n"
    b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n" + _TIMEOUT_BODY
)


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request's headers."""

    header_seconds = HEADER_SECONDS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the headers are in: a request runs
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's headers

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_TIMEOUT_ANSWER)
            self.transport.close()


def config(app: ASGIApp, host: str, port: int, graceful_seconds: int) -> uvicorn.Config:
    """uvicorn's settings for the service and the preview."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=HeaderDeadline,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=graceful_seconds,
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )


def run(app: ASGIApp, host: str, port: int, graceful_seconds: int = GRACEFUL_SECONDS) -> list[int]:
    """Serve ``app`` until stopped; returns the signals that stopped it (empty if none)."""
    stopped: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        uvicorn.Server(config(app, host, port, graceful_seconds)).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return stopped
