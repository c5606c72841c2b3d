"""The HTML pages of the service and the preview, and the files they load.

Every page is a Jinja template in ``exporter/service/templates/`` (package data,
autoescaped); its stylesheet and script are files in ``exporter/service/assets/``
served from ``/assets/<name>``, so no page needs inline style or script and all of
them live under the one Content-Security-Policy of :mod:`exporter.service.guard`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import Response

#: The files under ``/assets/`` and their media types.
ASSETS = {
    "preview.css": "text/css; charset=utf-8",
    "preview.js": "text/javascript; charset=utf-8",
}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("exporter.service", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        auto_reload=False,
    )


def render_page(template: str, **context: Any) -> str:
    """The page ``template`` filled in with ``context`` (every value escaped)."""
    return _environment().get_template(template).render(**context)


@cache
def asset_bytes(name: str) -> bytes:
    """The bytes of one file under ``assets/``."""
    return resources.files("exporter.service").joinpath("assets", name).read_bytes()


def asset_response(name: str) -> Response | None:
    """A stylesheet or script of the pages, or None for any other name."""
    if name not in ASSETS:
        return None
    return Response(asset_bytes(name), media_type=ASSETS[name])
