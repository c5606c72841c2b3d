"""Where the bundled templates and styles live, found through the import system.

The repository keeps them at its top (``templates/``, ``styles/``) where template
authors expect them; the build maps those folders into the package as
``exporter.templates`` and ``exporter.styles`` (see ``pyproject.toml``). They are
found with :mod:`importlib.resources`, so the same code works from an installed
wheel and from an editable install, never by walking the source tree.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _bundled(package: str) -> Path:
    return Path(str(files(package))).resolve()


TEMPLATES_DIR = _bundled("exporter.templates")
STYLES_DIR = _bundled("exporter.styles")
