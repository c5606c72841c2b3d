"""The report outline as HTML: the Jinja2 templates in ``templates/``.

Kept apart from the PDF writer so templates can be checked (and HTML produced)
without importing WeasyPrint. Every template is autoescaped whatever its file
name, and undefined values are errors, not empty strings.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateError

from exporter.errors import BrandError
from exporter.model.brand import Brand
from exporter.report.chart import layout
from exporter.report.outline import Report
from exporter.resources import TEMPLATES_DIR
from exporter.version import __version__

MAIN_TEMPLATE = "report.html"


def template_environment(folder: Path = TEMPLATES_DIR) -> Environment:
    """Jinja2 environment for the report templates: always autoescaped, strict."""
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["kind"] = lambda block: type(block).__name__.lower()
    env.filters["chart_layout"] = layout
    return env


@cache
def report_template(folder: Path = TEMPLATES_DIR) -> Template:
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
            where = f"{folder / name}" + (f", line {line}" if line else "")
            raise BrandError(f"{where}: template error: {exc.message}") from None
    return env.get_template(MAIN_TEMPLATE)


def render_html(report: Report, brand: Brand) -> str:
    """The report as an HTML document (what WeasyPrint lays out)."""
    logo = brand.logo_path
    try:
        return report_template().render(
            report=report,
            brand=brand,
            logo_uri=logo.as_uri() if logo else None,
            version=__version__,
        )
    except TemplateError as exc:
        raise BrandError(f"{TEMPLATES_DIR / MAIN_TEMPLATE}: template failed: {exc}") from None
