"""What the preview page shows: the state of the last renders, as HTML and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.service.pages import render_page


@dataclass
class State:
    """What the page shows: the last good render, and the latest error if any."""

    generation: int = 0  # bumped on every change of what the page shows
    files: dict[str, bytes] = field(default_factory=dict)
    pdf_pages: tuple[bytes, ...] = ()
    docx_pages: tuple[bytes, ...] = ()
    docx_note: str = ""
    warnings: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    rendered: bool = False  # the first render has finished (well or not)


def page(state: State, role_path: Path) -> str:
    """The preview page: messages, then the PDF and DOCX pages side by side."""
    return render_page("preview.html", state=state, name=role_path.name, path=str(role_path))


def state_json(state: State) -> dict[str, Any]:
    """``/state.json``: what the page shows, without the bytes."""
    return {
        "generation": state.generation,
        "rendered": state.rendered,
        "error": state.error,
        "warnings": list(state.warnings),
        "pdf_pages": len(state.pdf_pages),
        "docx_pages": len(state.docx_pages),
        "docx_note": state.docx_note,
        "seconds": round(state.seconds, 3),
    }
