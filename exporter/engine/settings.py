"""Everything a render depends on besides the role, in one frozen object, and its hash.

A batch re-renders a role only when the hash of its inputs changed. Those inputs
are the role file's bytes and :meth:`Settings.fingerprint`: the exporter's
version and source code, the versions of the rendering libraries, the
``templates/`` and ``styles/`` folders, the brand file and every file the brand
names, and every field of the settings. A new render option becomes a new field
here and so joins the hash in this one place.

Nothing here imports WeasyPrint or python-docx: a batch with nothing to do never
loads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from exporter.api import FORMATS, DocxOptions, Format, PdfOptions, RenderOptions
from exporter.model.brand import DEFAULT_BRAND, Brand, load_brand
from exporter.resources import STYLES_DIR, TEMPLATES_DIR
from exporter.version import __version__

#: Libraries whose version changes what a render writes.
RENDER_LIBRARIES = (
    "weasyprint",
    "pydyf",
    "python-docx",
    "jinja2",
    "babel",
    "pillow",
    "lxml",
    "python-pptx",
    "XlsxWriter",
    "uharfbuzz",
)


@dataclass(frozen=True)
class Settings:
    """How to render: the one settings type of every front door (picklable).

    Decision: ``exporter render``, ``batch``, ``serve`` and ``preview`` all describe a
    render with this one frozen value, named as the writers name their options:
    ``formats``, ``brand_file``, ``pdf`` (:class:`PdfOptions`) and ``docx``
    (:class:`DocxOptions`). It holds the brand's *file*, so it pickles small for
    spawned workers and hashes into :meth:`fingerprint`; :meth:`options` gives
    the API's :class:`~exporter.api.RenderOptions` (the same fields with the brand
    loaded), which is what a worker renders with. A process loads the brand once
    (:meth:`load_brand`, then :meth:`options` and :meth:`fingerprint` take it).
    """

    formats: tuple[Format, ...] = FORMATS
    brand_file: Path | None = None
    pdf: PdfOptions = field(default_factory=PdfOptions)
    docx: DocxOptions = field(default_factory=DocxOptions)

    def load_brand(self) -> Brand:
        """The validated brand (the bundled one when ``brand_file`` is None)."""
        return load_brand(self.brand_file)

    def options(self, brand: Brand) -> RenderOptions:
        """The renderers' options for these settings and their loaded brand."""
        return RenderOptions(brand, pdf=self.pdf, docx=self.docx)

    def check(self, brand: Brand | None = None) -> RenderOptions:
        """Load everything that can fail before any role renders (brand, templates,
        stylesheets, Word reference) and return the options; errors name the file."""
        brand = brand if brand is not None else self.load_brand()
        return self.options(brand).check(self.formats)

    def fingerprint(self, brand: Brand | None = None) -> str:
        """Hex SHA-256 of every render input except the role itself."""
        brand = brand if brand is not None else self.load_brand()
        digest = hashlib.sha256()
        for key, value in self._inputs(brand):
            digest.update(f"{key}\0".encode())
            digest.update(value)
            digest.update(b"\0")
        return digest.hexdigest()

    def describe(self) -> dict[str, Any]:
        """The settings as plain JSON values, for the manifest (its published names)."""
        return {
            "formats": list(self.formats),
            "brand_file": _plain(self.brand_file),
            "pdf_variant": self.pdf.variant,
            "attach": self.pdf.attach,
            "docx_template": _plain(self.docx.template),
            "templates_dir": _plain(self.pdf.templates),
            "embed_fonts": self.docx.embed_fonts,
            "watermark": self.pdf.watermark,
        }

    def _inputs(self, brand: Brand) -> Iterator[tuple[str, bytes]]:
        yield "exporter.version", __version__.encode()
        yield "exporter.source", package_digest().encode()
        for name in RENDER_LIBRARIES:
            yield f"library.{name}", _library_version(name).encode()
        yield "templates", tree_digest(TEMPLATES_DIR).encode()
        if self.pdf.templates is not None:
            yield "templates.operator", tree_digest(self.pdf.templates).encode()
        yield "styles", tree_digest(STYLES_DIR).encode()
        brand_file = self.brand_file or DEFAULT_BRAND
        yield "brand.file", _file_digest(brand_file).encode()
        yield "brand.values", brand.model_dump_json().encode()
        for path in sorted(referenced_files(brand, brand_file.parent)):
            yield f"brand.references.{path}", _file_digest(path).encode()
        if self.docx.template is not None:
            yield "docx_template", _file_digest(self.docx.template).encode()
        yield "settings.pdf", repr(_plain(dataclasses.asdict(self.pdf))).encode()
        yield "settings.docx", repr(_plain(dataclasses.asdict(self.docx))).encode()
        yield "settings.brand_file", repr(_plain(self.brand_file)).encode()


def role_hash(fingerprint: str, role_bytes: bytes) -> str:
    """The source hash recorded per role: the settings' fingerprint and the role file's bytes."""
    return hashlib.sha256(fingerprint.encode() + b"\0" + role_bytes).hexdigest()


def tree_digest(folder: Path) -> str:
    """Hex SHA-256 of every file under ``folder``: relative names and contents."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(_file_digest(path).encode() + b"\0")
    return digest.hexdigest()


@cache
def package_digest() -> str:
    """Hex SHA-256 of the exporter's own source: a code change is a version change."""
    return tree_digest(Path(__file__).resolve().parents[1])


def referenced_files(brand: Brand, base: Path) -> set[Path]:
    """Files the brand names by path (absolute, or relative to the brand file's folder)."""
    found: set[Path] = set()
    for value in _leaves(brand.model_dump()):
        if isinstance(value, Path) or (
            isinstance(value, str) and 0 < len(value) < 1024 and "\n" not in value
        ):
            candidate = Path(value)
            candidate = candidate if candidate.is_absolute() else base / candidate
            try:
                if candidate.is_file():
                    found.add(candidate.resolve())
            except OSError:
                continue
    return found


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


def _library_version(name: str) -> str:
    from importlib import metadata  # here: only a batch's fingerprint needs it

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
