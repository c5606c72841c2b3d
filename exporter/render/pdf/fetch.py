"""What WeasyPrint may load while rendering: bundled assets only, never the network.

WeasyPrint's default fetcher reads any local file and makes network requests for
whatever a document names (images, attachments, stylesheets, fonts, SVG images,
objects). :class:`LocalAssetFetcher` allows exactly two things:

- ``data:`` URLs (their content is already in the document);
- regular files, at most :data:`MAX_ASSET_BYTES` long, whose real path (symlinks
  and ``..`` resolved) lies under an allowed folder: the bundled ``templates/``
  and ``styles/``, plus any extra roots the caller names (a brand's own folder).

Anything else (``http:``, ``https:``, ``ftp:``, ``file:`` outside the roots or on
another host, FIFOs, devices such as ``/dev/zero``, folders) is refused: WeasyPrint
logs the refusal and leaves the resource out; nothing is read and no request made.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import exporter.render.pdf.libraries  # noqa: F401  (first: WeasyPrint's quick import)

# isort: split
from weasyprint.urls import URLFetcher, URLFetcherResponse

from exporter.files import UnsafeFile, read_regular_file
from exporter.resources import STYLES_DIR, TEMPLATES_DIR

#: Largest asset served (fonts are the biggest: a variable TTF is a few MB).
MAX_ASSET_BYTES = 20_000_000

#: The folders every render may read from.
BUNDLED_ROOTS = (TEMPLATES_DIR, STYLES_DIR)


class FetchRefused(ValueError):
    """A URL the fetcher will not load; WeasyPrint logs it and goes on without it."""


class LocalAssetFetcher(URLFetcher):
    """Serves ``data:`` URLs and regular files under the allowed folders; refuses the rest."""

    def __init__(
        self,
        roots: Iterable[Path] = BUNDLED_ROOTS,
        extra_roots: Iterable[Path] = (),
        max_bytes: int = MAX_ASSET_BYTES,
    ) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.roots = tuple(Path(root).resolve() for root in (*roots, *extra_roots))
        self.max_bytes = max_bytes

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"refused to fetch {url[:80]!r}: only bundled assets are allowed")
        path = self.allowed_path(Path(unquote(parts.path)))
        body = self._read(path)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=body, headers={"Content-Type": content_type})

    def allowed_path(self, path: Path) -> Path:
        """The real path of ``path`` if it lies under an allowed folder, else refused."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a symlink loop
            raise FetchRefused(f"refused to read {path}: no such file") from None
        if not any(real.is_relative_to(root) for root in self.roots):
            raise FetchRefused(f"refused to read {path}: not under a bundled asset folder")
        return real

    def _read(self, path: Path) -> bytes:
        try:  # O_NOFOLLOW: a symlink swapped in after resolve() is refused, not followed
            return read_regular_file(path, self.max_bytes, follow_symlinks=False)
        except UnsafeFile as exc:
            raise FetchRefused(f"refused to read {path}: {exc}") from None
