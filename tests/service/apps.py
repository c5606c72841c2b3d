"""Applications with a misbehaving renderer, for uvicorn ``--factory`` in the tests.

The test sets ``SERVE_TEST_*`` variables for the server process it starts; these
factories (test code, not the package) read them and pass renderers from
:mod:`tests.faults` through :func:`exporter.service.create_app`'s ``render`` seam.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from exporter.api import Format, RenderOptions, render
from exporter.engine.jobs import Limits
from exporter.model.role import Role
from exporter.service import create_app
from tests.faults import Misbehave


@dataclass(frozen=True)
class PerRole:
    """A :class:`Misbehave` action per slug; other roles render normally (picklable)."""

    actions: tuple[tuple[str, str], ...]

    def __call__(self, role: Role, fmt: Format, options: RenderOptions) -> bytes:
        for slug, action in self.actions:
            if slug == role.slug:
                return Misbehave(action, slug)(role, fmt, options)
        return render(role, fmt, options)


def _app(renderer: Any, **kwargs: Any) -> Starlette:
    return create_app(
        os.environ["SERVE_TEST_ROLES"],
        cache_dir=os.environ["SERVE_TEST_CACHE"],
        jobs=1,
        render=renderer,
        **kwargs,
    )


def slow() -> Starlette:
    """Every render sleeps 4 s; one render runs and one waits, the next is refused."""
    return _app(Misbehave("sleep", seconds=4.0), queue=1)


def faulty() -> Starlette:
    """``SERVE_TEST_FAULTS``: ``slug=action,...``; renders have a 3 s limit."""
    pairs = os.environ["SERVE_TEST_FAULTS"].split(",")
    actions = tuple(tuple(pair.split("=", 1)) for pair in pairs)
    return _app(PerRole(actions), limits=Limits(seconds=3.0, grace=1.0))  # type: ignore[arg-type]


if __name__ == "__main__":  # python -m tests.service.apps slow: served like `exporter serve`
    import sys

    from exporter.service.server import run

    run({"slow": slow, "faulty": faulty}[sys.argv[1]](), "127.0.0.1", 0)
