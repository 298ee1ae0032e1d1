"""What a job knows about the run it executes, and how it stops."""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import logging
import threading

from migrator_scheduler.jobs import errors

# Reasons a run can be asked to stop, as given to JobContext.cancel().
TIMEOUT = 'timeout'
CANCELLED = 'cancelled'
STOPPING = 'stopping'


class RunLogger(logging.LoggerAdapter):
    """Prefixes every message with the run and rule it belongs to."""

    def process(self, msg, kwargs):
        return f'[run {self.extra["run_id"]} rule {self.extra["rule_id"]}] ' \
            f'{msg}', kwargs


@dataclasses.dataclass
class JobContext:
    """Handed to :meth:`JobDriver.execute` with the rule's arguments.

    :ivar run_id: the run; also the idempotency key of its side effects.
    :ivar rule_id: the rule that fired.
    :ivar rule_name: its name.
    :ivar project_id: its project.
    :ivar scheduled_for: the nominal fire time (aware, UTC).
    :ivar attempt: 1 for the first execution of this run, then 2, ...
    :ivar deadline: when the run times out (aware, UTC), or None.
    :ivar log: a logger whose lines carry the run and rule ids.
    """

    run_id: str
    rule_id: str
    rule_name: str
    project_id: str
    scheduled_for: datetime.datetime
    attempt: int
    deadline: datetime.datetime | None
    log: logging.LoggerAdapter
    claim_check: collections.abc.Callable[[], bool] = dataclasses.field(
        default=lambda: True, repr=False)
    cancelled: threading.Event = dataclasses.field(
        default_factory=threading.Event, repr=False)
    cancel_reason: str | None = None

    def cancel(self, reason: str) -> None:
        """Ask the job to stop (the first reason given is kept)."""
        if self.cancel_reason is None:
            self.cancel_reason = reason
        self.cancelled.set()

    def remaining(self) -> float | None:
        """Seconds left until the deadline (never negative), or None."""
        if self.deadline is None:
            return None
        left = (self.deadline - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        return max(0.0, left)

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job was asked to stop or its
        deadline passed. Call it between steps of a long job."""
        if self.cancelled.is_set():
            raise errors.JobCancelled(self.cancel_reason or CANCELLED)
        if self.deadline is not None and self.remaining() == 0:
            self.cancel(TIMEOUT)
            raise errors.JobCancelled(TIMEOUT)

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` unless asked to stop; then :meth:`check`."""
        left = self.remaining()
        if left is not None:
            seconds = min(seconds, left)
        self.cancelled.wait(max(0.0, seconds))
        self.check()

    def claim_valid(self) -> bool:
        """True while this attempt still owns the run in the database.

        False once the run was declared lost (a starved or cut-off
        executor) and handed to another attempt.
        """
        return self.claim_check()

    def ensure_claim(self) -> None:
        """Raise :class:`ClaimLost` unless :meth:`claim_valid`; call it
        right before each side effect that must not happen twice."""
        if not self.claim_valid():
            raise errors.ClaimLost(self.run_id)

