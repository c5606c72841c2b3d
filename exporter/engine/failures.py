"""Why a job failed, as data: a :class:`Failure` kind and a message.

A failure crosses process boundaries (a worker process, a Dask worker, the
service's worker slots) as a :class:`JobFailure`: callers decide by its
:attr:`~JobFailure.kind`, never by comparing its text. The messages are what the
manifest and the CLI show; each is written once, here.

The kinds:

- ``INVALID``: the role or a render input is wrong (bad data, a missing font, a
  template error); the message names the file and the field.
- ``TIME_LIMIT`` / ``MEMORY_LIMIT``: the render ran past its job's limits and was
  stopped; a worker stopped by its alarm is suspect and is replaced.
- ``RENDERER_BUG``: an unexpected exception in a renderer.
- ``WORKER_DIED``: the worker process died while running the job (crash, out of
  memory, the watchdog): the job may have started and is not retried.
- ``WORKER_LOST``: the worker was found dead or unable to start before the job
  began (killed while idle, failed warm-up); nothing of the job ran, so the
  engine may retry it once on a fresh worker.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Failure(enum.Enum):
    """What kind of failure ended a job."""

    INVALID = "invalid"
    TIME_LIMIT = "time-limit"
    MEMORY_LIMIT = "memory-limit"
    RENDERER_BUG = "renderer-bug"
    WORKER_DIED = "worker-died"
    WORKER_LOST = "worker-lost"

    @property
    def retryable(self) -> bool:
        """A fresh worker may succeed where this failed (the role itself is not to blame)."""
        return self is Failure.WORKER_LOST

    @property
    def worker_suspect(self) -> bool:
        """The worker that met this failure must not run another job."""
        return self in (Failure.TIME_LIMIT, Failure.WORKER_DIED, Failure.WORKER_LOST)


#: The message of a job whose worker process died under it.
WORKER_DIED = (
    "the worker process died while rendering this role "
    "(it crashed, ran out of memory, or did not stop at the time limit)"
)

#: The message of a job whose worker was gone before the job started.
WORKER_LOST = "no render worker could take the job (its worker process died or failed to start)"


@dataclass(frozen=True)
class JobFailure:
    """A job's failure: its kind and a message for people (picklable)."""

    kind: Failure
    message: str

    def __str__(self) -> str:
        return self.message

    @classmethod
    def time_limit(cls, seconds: float) -> JobFailure:
        """A render stopped at its time limit of ``seconds``."""
        return cls(Failure.TIME_LIMIT, f"exceeded the time limit of {seconds:g} s")

    @classmethod
    def memory_limit(cls, megabytes: int) -> JobFailure:
        """A render stopped at its memory limit of ``megabytes``."""
        return cls(Failure.MEMORY_LIMIT, f"exceeded the memory limit of {megabytes} MB")

    @classmethod
    def worker_died(cls) -> JobFailure:
        """The worker process died while running the job."""
        return cls(Failure.WORKER_DIED, WORKER_DIED)

    @classmethod
    def worker_lost(cls) -> JobFailure:
        """No worker could start the job."""
        return cls(Failure.WORKER_LOST, WORKER_LOST)

    @classmethod
    def worker_failed(cls, exc: BaseException) -> JobFailure:
        """A job that could not be sent to its worker, or its answer not read back."""
        return cls(Failure.RENDERER_BUG, f"worker failed: {type(exc).__name__}")

    @classmethod
    def renderer_bug(cls, exc: BaseException) -> JobFailure:
        """An unexpected exception from a renderer."""
        return cls(Failure.RENDERER_BUG, f"render failed: {type(exc).__name__}: {exc}")
