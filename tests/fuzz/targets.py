"""Fuzz targets: functions of bytes that may raise only the project's own ``ExporterError``.

Each target is registered with the inputs it starts from. Any other exception a
target lets out is a finding: a bug that would show a user a traceback. To add a
target, write a function of ``bytes`` and register it with :func:`target`, as
``role`` (the role loader) and ``import`` (the page importer) are below.

Run one with ``python -m tests.fuzz.run role`` (see ``run.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from exporter.errors import ExporterError

ROOT = Path(__file__).resolve().parents[2]
ROLES_DIR = ROOT / "fixtures" / "roles"


@dataclass(frozen=True)
class Target:
    name: str
    function: Callable[[bytes], None]
    seeds: Callable[[], Iterable[bytes]]

    def __call__(self, data: bytes) -> None:
        """Run the target on one input; only ``ExporterError`` counts as a clean refusal."""
        with contextlib.suppress(ExporterError):
            self.function(data)


TARGETS: dict[str, Target] = {}


def target(
    name: str, seeds: Callable[[], Iterable[bytes]]
) -> Callable[[Callable[[bytes], None]], Callable[[bytes], None]]:
    """Register a fuzz target under ``name``, starting from ``seeds()``."""

    def register(function: Callable[[bytes], None]) -> Callable[[bytes], None]:
        TARGETS[name] = Target(name, function, seeds)
        return function

    return register


def role_seeds() -> list[bytes]:
    """The fixture roles, and a few small documents that reach the loader's corners."""
    seeds = [path.read_bytes() for path in sorted(ROLES_DIR.glob("*.json"))]
    seeds += [
        b"\xef\xbb\xbf{}",
        b'{"role": "a", "role": "b"}',
        b'{"salary": {"current_average": NaN, "projected": 1e999}}',
        b'{"role": "\\ud800\\u202e\\u200b\\u0000"}',
        b"[[[[[[[[[[]]]]]]]]]]",
    ]
    return seeds


@target("role", seeds=role_seeds)
def load_role_bytes(data: bytes) -> None:
    """Decode, limit-check, clean and validate one role file's bytes."""
    from exporter.model.rolefile import decode_role

    decode_role(data, "fuzz.json")


def page_seeds() -> list[bytes]:
    """The test pages and, where present, the scraped seed pages beside the repository."""
    folders = (ROOT / "tests" / "pages", ROOT.parent / "shared" / "seeds")
    return [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.txt"))]


@target("import", seeds=page_seeds)
def import_page_bytes(data: bytes) -> None:
    """Decode, repair, structure and validate one market-intelligence page's bytes."""
    from exporter.ingest.importer import decode_page, import_page

    import_page(decode_page(data, "fuzz.txt"), "fuzz.txt")
