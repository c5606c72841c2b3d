"""What every request passes before the application sees it, for the service and the preview.

:class:`RequestGuard` is ASGI middleware that

- answers **421** (problem+json) to a request whose ``Host`` is not one of the
  allowed host names. A web page on another site can point its own host name at
  127.0.0.1 (DNS rebinding) and then read this server's answers from the
  operator's browser as same-origin; it cannot make the browser send our name in
  ``Host``. The default allowed names are the address the server is bound to and
  ``localhost`` (and ``127.0.0.1`` and ``::1`` when bound to loopback), see
  :func:`default_hosts`. **Behind a reverse proxy**, allow the public name the
  proxy passes on (``--allowed-host reports.example.com``) or make the proxy send
  ``Host: localhost``; ``*`` allows any name and is only for a proxy that checks
  ``Host`` itself.
- answers **400** and closes the connection for a request carrying both
  ``Content-Length`` and ``Transfer-Encoding`` (RFC 9112, 6.1: a sign of request
  smuggling between a proxy and this server; h11 would otherwise read the body by
  ``Transfer-Encoding`` and keep the connection open);
- adds ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` to
  every response and :data:`CSP` to every HTML page that does not set its own.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The one Content-Security-Policy of every HTML page: the page's own styles,
#: scripts and images from this server, nothing inline, nothing from elsewhere.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

#: Allows any ``Host`` (only behind a proxy that checks it).
ANY_HOST = "*"

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def host_name(value: str) -> str:
    """A Host header's or an ``--allowed-host`` value's name, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):  # [v6] or [v6]:port
        return value[1:].partition("]")[0]
    if value.count(":") > 1:  # a bare IPv6 address (as --host takes it)
        return value
    return value.partition(":")[0].rstrip(".")


def is_loopback(host: str) -> bool:
    """Whether a bind address is this machine only."""
    if host_name(host) == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name(host)).is_loopback
    except ValueError:
        return False


def default_hosts(bind: str) -> tuple[str, ...]:
    """The host names allowed when none are given: the bound address and ``localhost``,
    and both loopback addresses when bound to loopback."""
    names = [host_name(bind), "localhost"]
    if is_loopback(bind):
        names += ["127.0.0.1", "::1"]
    return tuple(dict.fromkeys(names))


class RequestGuard:
    """ASGI middleware: the Host rule, no ambiguous body framing, security headers."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host_name(name) for name in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        host = headers.get(b"host", b"").decode("latin-1")
        if ANY_HOST not in self.allowed and host_name(host) not in self.allowed:
            detail = "The Host header is not one this server answers to; see --allowed-host."
            await _problem(send, 421, "Misdirected request", detail, "host")
            return
        if b"content-length" in headers and b"transfer-encoding" in headers:
            detail = "A request may have Content-Length or Transfer-Encoding, not both."
            await _problem(send, 400, "Bad request", detail, "transfer-encoding", close=True)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A new list: the hot path's headers are built once per file and shared.
                out = [*message.get("headers", ()), *_SECURITY_HEADERS]
                message["headers"] = out
                names = {name.lower() for name, _ in out}
                content_type = dict(out).get(b"content-type", b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in names
                ):
                    out.append((b"content-security-policy", CSP.encode("ascii")))
            await send(message)

        await self.app(scope, receive, guarded)


async def _problem(
    send: Send, status: int, title: str, detail: str, field: str, close: bool = False
) -> None:
    """A problem+json answer naming the header at fault (never its value)."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [{"field": field, "message": "not accepted"}],
    }
    data = (json.dumps(body, indent=2) + "\n").encode("ascii")
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(data)).encode("ascii")),
        *_SECURITY_HEADERS,
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
