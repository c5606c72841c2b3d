"""exporter: role salary data to branded, tagged PDF reports and editable Word briefings.

The library API a web app calls, without touching the disk::

    from exporter import load_role, render_pdf, render_docx
    role = load_role("fixtures/roles/lead-backend-specialist-canada.json")
    pdf_bytes = render_pdf(role)
    docx_bytes = render_docx(role)

Loading a role: ``load_role(path)`` is the one most code wants. When the warnings
about what the character policy removed matter, ``load_role_checked(path)`` (a
file) or ``decode_role(raw_bytes)`` (a request body) return a :class:`RoleLoad`
with ``.role`` and ``.warnings``. (Validating data already decoded from JSON:
``exporter.model.rolefile.parse_role``.)

Every name here is imported on first use, and WeasyPrint and python-docx only
when a document of theirs is rendered, so importing this package (and
``exporter --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from exporter.version import __version__

if TYPE_CHECKING:
    from exporter.api import render_docx, render_pdf, report_for
    from exporter.errors import BrandError, ExporterError, PageError, RenderError, RoleError
    from exporter.model.brand import Brand, load_brand
    from exporter.model.role import Role
    from exporter.model.rolefile import (
        RoleLoad,
        RoleWarning,
        decode_role,
        load_role,
        load_role_checked,
    )

#: Where each public name lives; imported on first use (PEP 562), so ``exporter --help``
#: and ``import exporter.errors`` do not build the pydantic models.
_LAZY = {
    "render_docx": "exporter.api",
    "render_pdf": "exporter.api",
    "report_for": "exporter.api",
    "BrandError": "exporter.errors",
    "ExporterError": "exporter.errors",
    "PageError": "exporter.errors",
    "RenderError": "exporter.errors",
    "RoleError": "exporter.errors",
    "Brand": "exporter.model.brand",
    "load_brand": "exporter.model.brand",
    "Role": "exporter.model.role",
    "RoleLoad": "exporter.model.rolefile",
    "RoleWarning": "exporter.model.rolefile",
    "decode_role": "exporter.model.rolefile",
    "load_role": "exporter.model.rolefile",
    "load_role_checked": "exporter.model.rolefile",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'exporter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Brand",
    "BrandError",
    "ExporterError",
    "PageError",
    "RenderError",
    "Role",
    "RoleError",
    "RoleLoad",
    "RoleWarning",
    "__version__",
    "decode_role",
    "load_brand",
    "load_role",
    "load_role_checked",
    "render_docx",
    "render_pdf",
    "report_for",
]
