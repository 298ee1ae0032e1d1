"""How an attempt's end decides the run's: final state, or a retry when.

An attempt that failed or timed out is retried, after a delay, while the
run has attempts left (the rule's ``job.retry``, else the ``[executor]``
options); a permanent failure, a cancelled run and a bad argument are not.
"""

from __future__ import annotations

import dataclasses
import datetime
import random

from migrator_scheduler.db import admission as db_admission
from migrator_scheduler import exception
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors


@dataclasses.dataclass(frozen=True)
class Defaults:
    """The ``[executor]`` options a rule's own policy falls back to."""

    job_timeout: int = 3600
    cancel_grace: int = 30
    max_attempts: int = 3
    retry_delay: int = 30
    retry_max_delay: int = 600
    admission: db_admission.Defaults = db_admission.Defaults()

    @classmethod
    def from_conf(cls, executor_conf) -> Defaults:
        values = {field.name: getattr(executor_conf, field.name)
                  for field in dataclasses.fields(cls)
                  if field.name != 'admission'}
        return cls(admission=db_admission.Defaults(
            overlap_policy=executor_conf.overlap_policy,
            concurrency_limit=executor_conf.concurrency_limit), **values)


@dataclasses.dataclass(frozen=True)
class Ending:
    """How an attempt ended: ``state`` (``failed``, ``timed_out`` or
    ``cancelled``), whether another attempt may fix it, and the least
    delay the job asked for before one (a Retry-After)."""

    state: str
    retryable: bool
    retry_after: float | None = None


def ending_of(exc: BaseException,
              context: context_mod.JobContext | None) -> Ending:
    """Classify the exception an attempt ended with."""
    timed_out = context is not None and \
        context.cancel_reason == context_mod.TIMEOUT
    if isinstance(exc, errors.JobCancelled):
        if exc.reason == context_mod.TIMEOUT or timed_out:
            return Ending('timed_out', True)
        return Ending('cancelled', False)
    if isinstance(exc, (errors.PermanentJobError, errors.ClaimLost,
                        exception.InvalidInput,
                        exception.JobDriverNotFound)):
        return Ending('failed', False)
    if timed_out:
        # The job's own call gave up when its deadline was spent.
        return Ending('timed_out', True)
    retry_after = getattr(exc, 'retry_after', None)
    if not isinstance(retry_after, (int, float)) or retry_after < 0:
        retry_after = None
    return Ending('failed', True, retry_after)


def timeout_of(run: dict, defaults: Defaults) -> int:
    """Seconds an attempt of ``run`` may take; 0: no limit."""
    timeout = run.get('job_timeout')
    return defaults.job_timeout if timeout is None else timeout


def deadline_of(run: dict, defaults: Defaults,
                started: datetime.datetime) -> datetime.datetime | None:
    timeout = timeout_of(run, defaults)
    return started + datetime.timedelta(seconds=timeout) if timeout else None


def _rule_or(run: dict, key: str, default: int) -> int:
    value = run.get(key)
    return default if value is None else value


def retry_at(run: dict, ending: Ending, defaults: Defaults,
             now: datetime.datetime,
             rand: random.Random | None = None
             ) -> datetime.datetime | None:
    """When the next attempt of ``run`` may start, or None: no retry.

    The delay doubles with each attempt from the rule's ``retry_delay``
    up to ``retry_max_delay``; the actual one is drawn between half and
    all of it, so runs that failed together do not retry together, and is
    never shorter than the job's Retry-After.
    """
    if not ending.retryable:
        return None
    if run['attempt'] >= _rule_or(run, 'max_attempts', defaults.max_attempts):
        return None
    base = _rule_or(run, 'retry_delay', defaults.retry_delay)
    cap = _rule_or(run, 'retry_max_delay', defaults.retry_max_delay)
    delay = min(cap, base * 2 ** (run['attempt'] - 1))
    delay = (rand or random).uniform(delay / 2, delay)
    if ending.retry_after is not None:
        delay = max(delay, min(ending.retry_after, max(cap, base)))
    return now + datetime.timedelta(seconds=delay)
