"""The writers: one per format, each a class behind the :class:`Writer` protocol.

A writer is built once per brand and options (it keeps what can be reused: parsed
stylesheets, fonts, the Word reference document) and turns any number of report
outlines into bytes. :data:`WRITERS` maps each format to its writer class, loaded on
first use, so a PDF-only render never imports python-docx and a DOCX-only one never
imports WeasyPrint. Each format's options are a frozen type of its own
(:class:`~exporter.render.pdf.PdfOptions`, :class:`~exporter.render.docx.DocxOptions`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

if TYPE_CHECKING:
    from exporter.model.brand import Brand
    from exporter.report.outline import Report

#: The formats a role renders to.
Format = Literal["pdf", "docx"]
FORMATS: tuple[Format, ...] = get_args(Format)


class Writer(Protocol):
    """Turns report outlines into one format's bytes, with one brand and options."""

    #: held while the writer is built and while it renders (WeasyPrint is not thread-safe)
    lock: AbstractContextManager[Any]

    def __init__(self, brand: Brand, options: Any) -> None: ...

    def render(self, report: Report, options: Any) -> bytes:
        """The report as the format's bytes; equal input gives equal bytes."""
        ...


#: A format's writer class: ``WriterFactory(brand, options)`` builds one.
WriterFactory = type[Writer]


def _pdf() -> WriterFactory:
    from exporter.render.pdf.writer import PdfWriter

    return PdfWriter


def _docx() -> WriterFactory:
    from exporter.render.docx.writer import DocxWriter

    return DocxWriter


#: Each format's writer class, imported when first asked for.
WRITERS: dict[Format, Callable[[], WriterFactory]] = {"pdf": _pdf, "docx": _docx}
