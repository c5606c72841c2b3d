"""Renderers that misbehave on purpose, passed to the batch through its ``render`` seam.

They are module-level classes so that spawned worker processes can unpickle them.
Each misbehaves for one slug (``"*"``: every role) and renders normally otherwise.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

from exporter.api import Format, RenderOptions, render
from exporter.errors import RenderError
from exporter.model.role import Role


@dataclass(frozen=True)
class Misbehave:
    """``action`` on ``slug``: sleep, hang (deaf to the alarm), crash, memory (hoard), fail."""

    action: str
    slug: str = "*"
    seconds: float = 3600.0

    def __call__(self, role: Role, fmt: Format, options: RenderOptions) -> bytes:
        if self.slug in ("*", role.slug):
            self._misbehave()
        return render(role, fmt, options)

    def _misbehave(self) -> None:
        if self.action == "sleep":
            time.sleep(self.seconds)
        elif self.action == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(self.seconds)
        elif self.action == "crash":
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        elif self.action == "memory":
            hoard: list[Any] = []
            while True:
                hoard.append(bytearray(16 * 1024 * 1024))
        elif self.action == "fail":
            raise RenderError("the renderer failed on purpose")
        else:
            raise ValueError(f"unknown action {self.action!r}")
