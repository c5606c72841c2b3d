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

WeasyPrint and python-docx are imported on first use, so importing this package
(and ``exporter --help``) stays fast.
"""

from __future__ import annotations

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
from exporter.version import __version__

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
