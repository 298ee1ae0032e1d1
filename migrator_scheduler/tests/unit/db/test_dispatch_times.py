"""Tests of how runs get their ``dispatched_at``: from the claim, else
from the scheduler's record of its casts."""

import datetime

import pytest

from migrator_scheduler.db import api as db_api

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SECOND = datetime.timedelta(seconds=1)

pytestmark = pytest.mark.usefixtures('sqlite_db')


def _pending(count: int) -> list[str]:
    db_api.create_rules([{
        'project_id': 'p', 'name': f'r{i}', 'job_type': 'noop',
        'job_args': {}, 'trigger_kind': 'interval', 'trigger_expr': '60',
        'timezone': 'UTC', 'paused': False, 'misfire_policy': 'fire_once',
        'bucket': 0, 'next_fire_at': NOW} for i in range(count)])
    _, runs = db_api.fire_due_rules(
        None, NOW, lambda row: db_api.FirePlan(
            None, [(row.next_fire_at, 'pending', None)]), 100)
    return [r['id'] for r in runs]


def _dispatched() -> dict[str, datetime.datetime | None]:
    return {r['id']: r['dispatched_at'] for r in db_api.list_runs()}


def test_the_claim_records_the_cast_time():
    [run_id] = _pending(1)
    db_api.claim_runs([run_id], 'h', NOW + 2 * SECOND,
                      dispatched_at=NOW + SECOND)
    assert _dispatched() == {run_id: NOW + SECOND}


def test_a_cast_time_ahead_of_the_claim_is_recorded_as_the_claim_time():
    # The scheduler's clock is ahead of the executor's.
    [run_id] = _pending(1)
    db_api.claim_runs([run_id], 'h', NOW, dispatched_at=NOW + 5 * SECOND)
    [run] = db_api.list_runs()
    assert run['dispatched_at'] == run['started_at'] == NOW


def test_each_cast_gets_its_own_time():
    first, second = _pending(2)
    db_api.mark_dispatched([([first], NOW), ([second], NOW + SECOND)])
    assert _dispatched() == {first: NOW, second: NOW + SECOND}


def test_a_pending_run_cast_again_gets_the_latest_cast_time():
    [run_id] = _pending(1)
    db_api.mark_dispatched([([run_id], NOW)])
    db_api.mark_dispatched([([run_id], NOW + 30 * SECOND)])
    assert _dispatched() == {run_id: NOW + 30 * SECOND}


def test_recording_a_cast_after_the_claim_keeps_the_claims_time():
    [run_id] = _pending(1)
    db_api.claim_runs([run_id], 'h', NOW + 2 * SECOND,
                      dispatched_at=NOW + SECOND)
    # The scheduler writes its record of a cast after the claim, e.g. of
    # a duplicate cast made later.
    db_api.mark_dispatched([([run_id], NOW + 3 * SECOND)])
    assert _dispatched() == {run_id: NOW + SECOND}


def test_a_run_claimed_from_a_1_0_message_gets_the_recorded_time():
    claimed_early, claimed_late = _pending(2)
    # No cast time in the message: the claim leaves dispatched_at empty.
    db_api.claim_runs([claimed_early], 'h', NOW - SECOND)
    db_api.claim_runs([claimed_late], 'h', NOW + SECOND)
    db_api.mark_dispatched([([claimed_early, claimed_late], NOW)],
                           fill_claimed=True)
    # Never later than the start, whatever the hosts' clocks say.
    assert _dispatched() == {claimed_early: NOW - SECOND,
                             claimed_late: NOW}


def test_a_reaped_run_gets_the_time_of_its_next_cast():
    [run_id] = _pending(1)
    db_api.claim_runs([run_id], 'h', NOW, dispatched_at=NOW)
    later = NOW + datetime.timedelta(minutes=5)
    # Reaped as lost: pending again, with no cast time.
    db_api.reap_lost_runs(None, later, 3, later, 100)
    assert _dispatched() == {run_id: None}
    db_api.mark_dispatched([([run_id], later)])
    assert _dispatched() == {run_id: later}


def test_casts_that_carry_their_time_leave_claimed_runs_alone():
    [run_id] = _pending(1)
    db_api.claim_runs([run_id], 'h', NOW + SECOND)
    db_api.mark_dispatched([([run_id], NOW)])
    assert _dispatched() == {run_id: None}
