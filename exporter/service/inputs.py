"""A running service follows its render inputs: templates, styles, the brand and its files.

Every :data:`POLL_SECONDS` the service computes the batch's fingerprint of its
settings (:meth:`~exporter.engine.settings.Settings.fingerprint`: the bundled
and operator's templates, the styles, the brand file and every file it names, the
Word reference document; about 10 ms). When it changed, the new inputs are checked
as at start-up (every template compiles, the stylesheets parse, the brand loads);
if they pass, the workers are replaced (busy ones after their render) and every
role gets a new source hash, so the next request renders with the new inputs and
gets a new ETag; files rendered before stay in the cache under their old key until
evicted. If they fail, the service keeps serving with the inputs it has and logs
the problem once (template file and line, brand key), until the files change again.

The exporter's own code is part of the fingerprint too, but only as it was loaded:
upgrading the package still needs a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from exporter.api import clear_caches
from exporter.engine.settings import Settings
from exporter.errors import ExporterError

#: Seconds between looks at the render inputs.
POLL_SECONDS = 2.0

#: uvicorn's own logger for server messages (what ``exporter serve`` prints).
LOG = logging.getLogger("uvicorn.error")


class InputWatch:
    """Polls the settings' fingerprint and calls ``on_change(fingerprint)`` for good changes."""

    def __init__(
        self, settings: Settings, fingerprint: str, on_change: Callable[[str], None]
    ) -> None:
        self.settings = settings
        self.fingerprint = fingerprint
        self.on_change = on_change
        self._refused: str | None = None  # a fingerprint whose inputs failed their check

    def look(self) -> str | None:
        """The new fingerprint if the inputs changed and pass their check (blocking)."""
        try:
            found = self.settings.fingerprint()
        except (ExporterError, OSError) as exc:  # a brand file half-saved, removed...
            self._refuse(f"brand:{exc}", exc)
            return None
        if found in (self.fingerprint, self._refused):
            return None
        clear_caches()  # templates, stylesheets and brand are read anew by the check
        try:
            self.settings.check()
        except ExporterError as exc:
            self._refuse(found, exc)
            return None
        return found

    def _refuse(self, key: str, exc: Exception) -> None:
        """Log a problem once for each state of the files."""
        if key != self._refused:
            LOG.error(
                "render inputs changed but cannot be used, still serving the last good: %s", exc
            )
        self._refused = key

    async def run(self, interval: float = POLL_SECONDS) -> None:
        """Look every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            found = await asyncio.to_thread(self.look)
            if found is not None:
                self.fingerprint, self._refused = found, None
                self.on_change(found)
                LOG.info("render inputs changed: new workers, new source hashes")
