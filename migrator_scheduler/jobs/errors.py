"""Errors a job raises to say how its run ends."""

from __future__ import annotations


class JobError(Exception):
    """A job failed; the run is retried while attempts are left.

    :param retry_after: seconds the job asks to wait before the next
        attempt (an HTTP ``Retry-After``), or None for no preference.
    """

    def __init__(self, *args: object, retry_after: float | None = None
                 ) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


class PermanentJobError(JobError):
    """A job failed in a way another attempt cannot fix (a refused
    request, a missing resource): the run fails without retry."""


class JobCancelled(JobError):
    """The job stopped because it was asked to (see
    :meth:`migrator_scheduler.jobs.context.JobContext.check`).

    :param reason: why: ``timeout`` (the deadline passed), ``cancelled``
        (an operator or the overlap policy cancelled the run) or
        ``stopping`` (the executor is shutting down).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f'cancelled ({reason})')


class ClaimLost(JobError):
    """The run was declared lost and handed to another attempt: this one
    must not cause any further side effect."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f'the claim on run {run_id} is no longer valid; '
                         'another attempt owns the run')
