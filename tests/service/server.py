"""A real service process on a free loopback port, for the integration tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


class Server:
    """``python -m exporter serve`` (or any command printing uvicorn's banner) on port 0."""

    def __init__(self, command: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.command = list(command)
        self.env = {**os.environ, **(env or {})}
        self.log: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        found = threading.Event()
        port: list[str] = []

        def pump() -> None:
            assert self.process is not None and self.process.stderr is not None
            for line in self.process.stderr:
                self.log.append(line)
                match = _LISTENING.search(line)
                if match and not port:
                    port.append(match.group(1))
                    found.set()
            found.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        if not found.wait(STARTUP_SECONDS) or not port:
            self.stop()
            raise RuntimeError("the service did not start:\n" + "".join(self.log))
        self.url = f"http://127.0.0.1:{port[0]}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:  # ready: workers warm
            if httpx.get(self.url + "/readyz").status_code == 200:
                return self
            time.sleep(0.2)
        raise RuntimeError("the service never became ready:\n" + "".join(self.log))

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kwargs)  # type: ignore[arg-type]

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (0 if absent)."""
        text = httpx.get(self.url + "/metrics").text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            metric, _, rest = key.partition("{")
            found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
            if metric == name and all(
                part in found.split(",") for part in wanted.split(",") if part
            ):
                total += float(value)
        return total

    def terminate(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._close()
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def _close(self) -> None:
        """Let the log reader finish and close the pipe (no unclosed-file warnings)."""
        if self.process is not None and self.process.stderr is not None:
            self._pump.join(10)
            self.process.stderr.close()


def serve_command(roles_dir: Path, cache: Path, *extra: str) -> list[str]:
    """``python -m exporter serve`` on a free port with its own cache."""
    return [
        sys.executable, "-m", "exporter", "serve", str(roles_dir),
        "--port", "0", "--cache", str(cache), *extra,
    ]  # fmt: skip


def app_command(factory: str) -> list[str]:
    """uvicorn running a test application factory from :mod:`tests.service.apps`."""
    return [
        sys.executable, "-m", "uvicorn", f"tests.service.apps:{factory}", "--factory",
        "--host", "127.0.0.1", "--port", "0",
    ]  # fmt: skip


def until(check: Callable[[], Any], what: str, seconds: float = 90.0) -> Any:
    """Poll ``check`` until it returns something true (never a timed assertion: a bound)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")
