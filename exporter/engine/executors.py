"""Executors that run jobs: the default process pool and the one place that ends its workers.

The default executor is a :class:`~concurrent.futures.ProcessPoolExecutor` on the
``spawn`` context; any executor with ``submit`` and ``shutdown`` can replace it
(pass another ``executor_factory``: threads in tests, Dask for a cluster).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

#: ``factory(workers, initializer, initargs) -> Executor``
ExecutorFactory = Callable[[int, Callable[..., object], tuple[Any, ...]], Executor]


def worker_processes(executor: Executor) -> list[multiprocessing.process.BaseProcess]:
    """The worker processes of a process pool (none for other executors).

    :class:`~concurrent.futures.ProcessPoolExecutor` does not expose its workers;
    this is the one place that reads its private ``_processes``, so a change there
    breaks one function, and the batch and the service kill and join through it.
    """
    processes = getattr(executor, "_processes", None) or {}
    return list(processes.values())


def is_broken(executor: Executor) -> bool:
    """Whether the executor refuses new work because a worker died or failed to start
    (the other private attribute read here: both standard pools set ``_broken``)."""
    return bool(getattr(executor, "_broken", False))


def kill_workers(executor: Executor) -> None:
    """End a process pool's workers now (SIGKILL); other executors have none to kill."""
    for process in worker_processes(executor):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # gone, closed, unstarted
            process.kill()


def discard(executor: Executor) -> None:
    """End an executor's processes now (stuck or dead workers) and let it go."""
    kill_workers(executor)
    with contextlib.suppress(Exception):
        executor.shutdown(wait=False, cancel_futures=True)


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def process_pool(
    workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...]
) -> Executor:
    """The default executor: worker processes started with ``spawn``, never ``fork``."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )
