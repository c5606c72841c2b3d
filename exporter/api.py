"""Render one role to bytes: the functions a web app or a script calls."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from exporter.brand import Brand, load_brand
from exporter.outline import Report, build_report
from exporter.role import Role

if TYPE_CHECKING:
    from exporter.pdf import PdfWriter


@cache
def default_brand() -> Brand:
    """The bundled brand, loaded once."""
    return load_brand()


@cache
def pdf_writer(brand: Brand, variant: str | None = None) -> PdfWriter:
    """A cached writer per brand and variant: fonts and stylesheets are parsed once."""
    from exporter.pdf import DEFAULT_VARIANT, PdfWriter

    return PdfWriter(brand, variant or DEFAULT_VARIANT)


def report_for(role: Role, brand: Brand | None = None) -> Report:
    """The format-neutral outline of a role's report."""
    return build_report(role, brand or default_brand())


def render_pdf(role: Role, brand: Brand | None = None, variant: str | None = None) -> bytes:
    """The role's branded report as PDF bytes (tagged PDF/UA-1 unless ``variant`` says)."""
    brand = brand or default_brand()
    return pdf_writer(brand, variant).render(build_report(role, brand))


def render_docx(role: Role, brand: Brand | None = None) -> bytes:
    """The role's briefing as DOCX bytes, reproducible byte for byte."""
    from exporter.word import DocxWriter

    brand = brand or default_brand()
    return DocxWriter(brand).render(build_report(role, brand))
