"""The process table as Linux shows it in ``/proc``, for tests that look for leftovers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state, ppid, pgrp,
    session, ...), or None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def processes() -> Iterator[tuple[int, list[str]]]:
    """Every process now, as (pid, stat fields)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(entry.name)
            if fields is not None:
                yield int(entry.name), fields


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def signalled_run(
    argv: Sequence[str], cwd: Path, out: Path, delay: float, signals: Sequence[tuple[int, float]]
) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``argv`` in a session of its own; once ``out`` exists and ``delay`` seconds
    passed, send each signal and wait its pause. The finished process and its stderr
    (a hang past two minutes fails; whatever is left of the session is killed)."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:  # it has begun
            time.sleep(0.02)
        time.sleep(delay)
        for sig, pause in signals:
            proc.send_signal(sig)
            time.sleep(pause)
        _, err = proc.communicate(timeout=120)  # a hang fails here
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc, err.decode()
