"""Where the bundled templates and styles live.

The exporter is run from its source tree (``pip install -e .``): templates and
styles are top-level folders of the repository, beside the package.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STYLES_DIR = ROOT / "styles"
FIXTURES_DIR = ROOT / "fixtures" / "roles"
