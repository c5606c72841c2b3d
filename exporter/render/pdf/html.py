"""The report outline as HTML: the Jinja2 templates in ``templates/``.

Kept apart from the PDF writer so templates can be checked (and HTML produced)
without importing WeasyPrint. Every template is autoescaped whatever its file
name, and undefined values are errors, not empty strings.

Compiled templates are kept in this user's cache folder
(``$XDG_CACHE_HOME/exporter/templates``, see :func:`exporter.files.user_cache_folder`):
compiling the eight templates costs a one-off render command about 40 ms, loading
them about 3 ms. Jinja2 checks each cached entry against the template's source
(and the Python version), so an edited template is compiled afresh; a cache
folder that is not private to this user is not used at all, and one that cannot
be read or written (a full disk, a read-only home) only means compiling again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
)
from jinja2.bccache import Bucket

from exporter.errors import BrandError
from exporter.files import private_folder, user_cache_folder
from exporter.model.brand import Brand
from exporter.report.chart import layout
from exporter.report.outline import (
    BulletList,
    Callout,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Table,
    require_layouts,
)
from exporter.resources import TEMPLATES_DIR
from exporter.version import __version__

MAIN_TEMPLATE = "report.html"

#: The template that lays out each block type (names relative to the templates folder).
LAYOUTS: dict[type, str] = {
    Paragraph: "blocks/paragraph.html",
    KeyFigures: "blocks/keyfigures.html",
    Callout: "blocks/callout.html",
    BulletList: "blocks/bulletlist.html",
    Table: "blocks/table.html",
    Chart: "blocks/chart.html",
}
require_layouts("HTML", LAYOUTS)


def template_folders(folder: Path | None = None) -> tuple[Path, ...]:
    """Where templates are searched, in order: the operator's folder, then the bundled one."""
    return (TEMPLATES_DIR,) if folder is None else (folder.resolve(), TEMPLATES_DIR)


def template_environment(folder: Path | None = None) -> Environment:
    """Jinja2 environment for the report templates: always autoescaped, strict.

    A template in ``folder`` replaces the bundled template of the same name, so an
    operator can change one block without copying the rest.
    """
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(path) for path in template_folders(folder)]),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=compiled_templates(),
    )
    env.filters["layout"] = lambda block: LAYOUTS[type(block)]
    env.filters["chart_layout"] = layout
    return env


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja2's file cache of compiled templates, where a cache that cannot be read or
    written (a full disk, a read-only home) is only a miss: Jinja2 itself would fail
    the render when it cannot create its temporary file."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates() -> BytecodeCache | None:
    """The cache of compiled templates, or None when no private cache folder can be had
    (no home folder either, or a cache folder another user controls)."""
    folder = user_cache_folder("templates")
    private = private_folder(folder) if folder is not None else None
    return None if private is None else _TemplateCache(str(private))


@cache
def report_template(folder: Path | None = None) -> Template:
    """The main template, after compiling every template in the folder.

    A syntax error anywhere is a :class:`BrandError` naming the file and line,
    raised before any role is rendered.
    """
    env = template_environment(folder)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        try:
            env.get_template(name)
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            where = f"{_source(env, name)}" + (f", line {line}" if line else "")
            raise BrandError(f"{where}: template error: {exc.message}") from None
    for name in LAYOUTS.values():  # an operator's folder cannot drop a block's layout
        env.get_template(name)
    return env.get_template(MAIN_TEMPLATE)


def _source(env: Environment, name: str) -> Path:
    """The file a template name resolves to (the operator's before the bundled one)."""
    for folder in template_folders_of(env):
        if (folder / name).is_file():
            return folder / name
    return TEMPLATES_DIR / name


def template_folders_of(env: Environment) -> list[Path]:
    loader = env.loader
    loaders = loader.loaders if isinstance(loader, ChoiceLoader) else [loader]
    return [
        Path(path)
        for item in loaders
        if isinstance(item, FileSystemLoader)
        for path in item.searchpath
    ]


def render_html(
    report: Report,
    brand: Brand,
    templates: Path | None = None,
    toc_pages: Mapping[str, int] | None = None,
) -> str:
    """The report as an HTML document (what WeasyPrint lays out).

    ``toc_pages`` (section id -> page) prints the contents' page numbers as text;
    without it the contents ask for them with CSS ``target-counter()``, which
    costs WeasyPrint several layouts (see :mod:`exporter.render.pdf.contents`).
    """
    logo = brand.logo_path
    try:
        return report_template(templates).render(
            report=report,
            brand=brand,
            logo_uri=logo.as_uri() if logo else None,
            version=__version__,
            toc_pages=toc_pages or {},
        )
    except TemplateError as exc:
        where = _source(report_template(templates).environment, MAIN_TEMPLATE)
        raise BrandError(f"{where}: template failed: {exc}") from None
