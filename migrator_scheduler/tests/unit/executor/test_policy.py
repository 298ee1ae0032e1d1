"""How an attempt's end decides its run's."""

import datetime
import random

import pytest

from migrator_scheduler import exception
from migrator_scheduler.executor import policy
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
DEFAULTS = policy.Defaults(max_attempts=5, retry_delay=10,
                           retry_max_delay=60)


def _context(reason=None):
    context = context_mod.JobContext(
        run_id='r', rule_id='x', rule_name='n', project_id='p',
        scheduled_for=NOW, attempt=1, deadline=None, log=None)
    if reason:
        context.cancel(reason)
    return context


@pytest.mark.parametrize('exc, reason, expected', [
    (RuntimeError('x'), None, policy.Ending('failed', True)),
    (errors.PermanentJobError('x'), None, policy.Ending('failed', False)),
    (errors.ClaimLost('r'), None, policy.Ending('failed', False)),
    (exception.InvalidInput('job.args.x', 'bad'), None,
     policy.Ending('failed', False)),
    (errors.JobCancelled('timeout'), None, policy.Ending('timed_out', True)),
    (errors.JobCancelled('cancelled'), None,
     policy.Ending('cancelled', False)),
    # A client call cut short by the deadline: a timeout, not a failure.
    (TimeoutError('read timed out'), 'timeout',
     policy.Ending('timed_out', True)),
])
def test_endings(exc, reason, expected):
    assert policy.ending_of(exc, _context(reason)) == expected


def test_a_retry_after_is_carried():
    exc = errors.JobError('busy')
    exc.retry_after = 42
    assert policy.ending_of(exc, _context()).retry_after == 42


@pytest.mark.parametrize('attempt, low, high', [
    (1, 5, 10), (2, 10, 20), (3, 20, 40), (4, 30, 60)])
def test_the_delay_doubles_up_to_the_cap_with_jitter(attempt, low, high):
    rand = random.Random(7)
    for _ in range(50):
        when = policy.retry_at({'attempt': attempt},
                               policy.Ending('failed', True), DEFAULTS, NOW,
                               rand)
        assert low <= (when - NOW).total_seconds() <= high


def test_no_retry_past_the_attempts_or_when_not_retryable():
    ending = policy.Ending('failed', True)
    assert policy.retry_at({'attempt': 5}, ending, DEFAULTS, NOW) is None
    assert policy.retry_at({'attempt': 1, 'max_attempts': 1}, ending,
                           DEFAULTS, NOW) is None
    assert policy.retry_at({'attempt': 1}, policy.Ending('failed', False),
                           DEFAULTS, NOW) is None


def test_the_rule_policy_wins_over_the_defaults():
    when = policy.retry_at(
        {'attempt': 1, 'retry_delay': 100, 'retry_max_delay': 100},
        policy.Ending('failed', True), DEFAULTS, NOW)
    assert 50 <= (when - NOW).total_seconds() <= 100


def test_retry_after_is_bounded_by_the_longest_delay():
    when = policy.retry_at({'attempt': 1},
                           policy.Ending('failed', True, 10 ** 6),
                           DEFAULTS, NOW)
    assert (when - NOW).total_seconds() == 60


def test_deadline():
    assert policy.deadline_of({'job_timeout': 5}, DEFAULTS, NOW) == \
        NOW + datetime.timedelta(seconds=5)
    assert policy.deadline_of({'job_timeout': 0}, DEFAULTS, NOW) is None
    assert policy.deadline_of({}, DEFAULTS, NOW) == \
        NOW + datetime.timedelta(seconds=3600)
