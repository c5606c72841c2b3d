"""What WeasyPrint may load while rendering: bundled assets only, never the network."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class LocalAssetFetcher(URLFetcher):
    """Serves ``data:`` URLs and files under the allowed folders; refuses everything else.

    Paths are resolved (symlinks and ``..`` included) before the check, so nothing
    outside the allowed folders can be read, and nothing is ever fetched over a network.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self._roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused to fetch {url[:80]!r}: only bundled assets are allowed")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_file() or not any(path.is_relative_to(root) for root in self._roots):
            raise ValueError(f"refused to read {path}: not a bundled asset")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )
