"""A comparable plain report: the reference the speed benchmarks measure the exporter against.

What a team would write with bare WeasyPrint and no design work, for the same
content (issue 22):

- simple HTML made here from the report outline: a title line, the same sections
  with their headings, paragraphs (bold runs kept), lists, the key figures and the
  role's tables as plain tables, the callouts as paragraphs, and the chart as an
  inline SVG (bars and labels, with a ``<title>`` for its alt text);
- one short stylesheet: DejaVu Sans (a system font) at 10pt, a running header (the
  section title, from ``string-set``), "Page X of Y" in the footer, table rules;
  no cover band, no contents, no cards, no floats, no gradients;
- one parsed :class:`~weasyprint.CSS` and one ``FontConfiguration``, reused for
  every document, and a tagged PDF/UA-1 (``pdf_variant="pdf/ua-1"``,
  ``pdf_tags=True``) like the exporter's;
- the same page count as the exporter's PDF of the same role: :func:`fitted`
  appends paragraphs of the report's own text (or drops trailing ones) until the
  plain PDF has that many pages.

    from plain_report import PlainRenderer, fitted
    plain = PlainRenderer()
    page = fitted(plain, report, pages=3)   # HTML; plain.pdf(page) -> bytes
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

PLAIN_CSS = """
@page {
  size: A4;
  margin: 22mm 18mm 24mm 18mm;
  @top-left { content: string(section); font-size: 8pt; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; }
}
html { font-family: "DejaVu Sans"; font-size: 10pt; line-height: 1.45; color: #222; }
h1 { font-size: 20pt; margin: 0 0 4pt; }
h2 { font-size: 14pt; margin: 16pt 0 6pt; string-set: section content(); }
p { margin: 0 0 7pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 10pt; }
th, td { text-align: left; padding: 3pt 6pt; border-bottom: 0.5pt solid #999; }
svg { width: 120mm; height: auto; }
"""

#: A paragraph appended to reach the exporter's page count: its text repeats the
#: report's own paragraphs in turn.
_FILLER_START = 24


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _runs(runs: Any) -> str:
    return "".join(
        f"<strong>{_escape(run.text)}</strong>" if run.bold else _escape(run.text) for run in runs
    )


def _table(caption: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f'<th scope="col">{_escape(cell)}</th>' for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{_escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _chart(chart: Any) -> str:
    top = max((float(bar.value) for bar in chart.bars), default=1.0) or 1.0
    rows = []
    for index, bar in enumerate(chart.bars):
        y = 8 + index * 44
        width = round(float(bar.value) / top * 240, 2)
        rows.append(
            f'<rect x="150" y="{y}" width="{width}" height="26" fill="#336"/>'
            f'<text x="142" y="{y + 18}" text-anchor="end">{_escape(bar.label)}</text>'
            f'<text x="{158 + width}" y="{y + 18}">{_escape(bar.display)}</text>'
        )
    height = 16 + 44 * len(chart.bars)
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" width="480" '
        f'height="{height}" viewBox="0 0 480 {height}" font-family="DejaVu Sans" '
        f'font-size="11"><title>{_escape(chart.alt)}</title>{"".join(rows)}</svg>'
        f"<figcaption>{_escape(chart.title)}</figcaption></figure>"
    )


def block_html(block: Any) -> str:
    """One outline block as plain HTML."""
    kind = type(block).__name__
    if kind == "Paragraph":
        return f"<p>{_runs(block.runs)}</p>"
    if kind == "Callout":
        title = f"<strong>{_escape(block.title)}</strong> " if block.title else ""
        return f"<p>{title}{_runs(block.runs)}</p>"
    if kind == "BulletList":
        items = "".join(
            f"<li>{_escape(item.label + ': ') if item.label else ''}{_runs(item.runs)}</li>"
            for item in block.items
        )
        return f"<ul>{items}</ul>"
    if kind == "KeyFigures":
        header = tuple(figure.label for figure in block.figures)
        values = tuple(f"{figure.value} {figure.note}".strip() for figure in block.figures)
        return _table("Key figures", header, [values])
    if kind == "Table":
        return _table(block.caption, block.header, list(block.rows))
    if kind == "Chart":
        return _chart(block)
    raise TypeError(f"no plain layout for {kind}")


def _paragraph_texts(report: Any) -> Iterator[str]:
    while True:
        for section in report.sections:
            for block in section.blocks:
                if type(block).__name__ == "Paragraph":
                    yield f"<p>{_runs(block.runs)}</p>"


def plain_html(report: Any, extra: int = 0) -> str:
    """The report as plain HTML; ``extra`` paragraphs of its own text appended (negative:
    that many trailing blocks of the last section dropped)."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{_escape(report.title)}</title></head><body>",
        f"<h1>{_escape(report.title)}</h1><p>{_escape(' · '.join(report.facts))}</p>",
    ]
    sections = list(report.sections)
    for index, section in enumerate(sections):
        blocks = [block_html(block) for block in section.blocks]
        if index == len(sections) - 1 and extra < 0:
            blocks = blocks[: max(1, len(blocks) + extra)]
        parts.append(f'<section id="{_escape(section.id)}"><h2>{_escape(section.title)}</h2>')
        parts.extend(blocks)
        if index == len(sections) - 1 and extra > 0:
            texts = _paragraph_texts(report)
            parts.extend(next(texts) for _ in range(extra))
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


class PlainRenderer:
    """Bare WeasyPrint as a plain report's author would keep it: one parsed stylesheet,
    one font configuration, tagged PDF/UA-1."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.fonts = FontConfiguration()
        self.css = CSS(string=PLAIN_CSS, font_config=self.fonts)

    def pages(self, page: str) -> int:
        """How many pages the plain HTML lays out to (a layout, no PDF)."""
        from weasyprint import HTML

        return len(HTML(string=page).render(stylesheets=[self.css], font_config=self.fonts).pages)

    def pdf(self, page: str) -> bytes:
        from weasyprint import HTML

        data: bytes = HTML(string=page).write_pdf(
            stylesheets=[self.css], font_config=self.fonts, pdf_variant="pdf/ua-1", pdf_tags=True
        )
        return data


def fitted(plain: PlainRenderer, report: Any, pages: int, tries: int = 12) -> str:
    """The plain HTML of ``report`` with as many pages as the exporter's PDF has.

    Paragraphs of the report's own text are appended (or trailing blocks dropped):
    a first step sized from how much one page holds, then one at a time.
    """
    extra = 0
    have = plain.pages(plain_html(report))
    per_page = max(1, _FILLER_START // max(1, have))
    for _ in range(tries):
        if have == pages:
            return plain_html(report, extra)
        step = (pages - have) * per_page if abs(pages - have) > 1 else (1 if have < pages else -1)
        extra += step
        have = plain.pages(plain_html(report, extra))
    raise ValueError(f"{report.title}: no plain report of {pages} pages (last {have})")
