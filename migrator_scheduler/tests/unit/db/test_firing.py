"""Tests of how firing advances rules and how outcomes are recorded."""

import datetime
import typing

import pytest

from migrator_scheduler.db import api as db_api

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LATER = NOW + datetime.timedelta(days=1)

pytestmark = pytest.mark.usefixtures('sqlite_db')


def _rules(count: int, prefix: str = 'r') -> list[str]:
    return db_api.create_rules([{
        'project_id': 'p', 'name': f'{prefix}{i}', 'job_type': 'noop',
        'job_args': {}, 'trigger_kind': 'interval', 'trigger_expr': '1d',
        'timezone': 'UTC', 'paused': False, 'misfire_policy': 'fire_once',
        'bucket': i % 4, 'next_fire_at': NOW} for i in range(count)])


def _fire(planner) -> list[dict]:
    return db_api.fire_due_rules(None, NOW, planner, limit=1000)[1]


def _by_id() -> dict:
    return {r['id']: r for r in db_api.list_rules()}


def test_a_burst_of_one_schedule_is_advanced_together():
    ids = _rules(db_api._SHARED_ADVANCE * 3)
    runs = _fire(lambda row: db_api.FirePlan(
        LATER, [(row.next_fire_at, 'pending', None)]))
    assert len(runs) == len(ids)
    for rule in _by_id().values():
        assert rule['next_fire_at'] == LATER
        assert rule['last_fire_at'] == NOW
        assert rule['version'] == 2


def test_rules_with_times_of_their_own_are_advanced_each():
    shared = set(_rules(db_api._SHARED_ADVANCE, 'shared'))
    own = _rules(3, 'own')
    offsets = {rule_id: i + 1 for i, rule_id in enumerate(own)}

    def planner(row):
        if row.id in shared:
            return db_api.FirePlan(LATER, [(row.next_fire_at, 'pending',
                                            None)])
        # The last one is exhausted and fires no more.
        following = None if offsets[row.id] == 3 else (
            LATER + datetime.timedelta(minutes=offsets[row.id]))
        return db_api.FirePlan(following, [])

    assert len(_fire(planner)) == len(shared)
    rules = _by_id()
    for rule_id in shared:
        assert rules[rule_id]['next_fire_at'] == LATER
        assert rules[rule_id]['last_fire_at'] == NOW
    for rule_id, offset in offsets.items():
        expected = None if offset == 3 else (
            LATER + datetime.timedelta(minutes=offset))
        assert rules[rule_id]['next_fire_at'] == expected
        assert rules[rule_id]['last_fire_at'] is None
        assert rules[rule_id]['version'] == 2


class _Row(typing.NamedTuple):
    id: str
    version: int


@pytest.mark.parametrize('count', [1, db_api._SHARED_ADVANCE])
def test_a_changed_rule_loses_the_race_and_nothing_is_written(count):
    ids = _rules(count)
    plan = db_api.FirePlan(LATER, [(NOW, 'pending', None)])
    # As read before another scheduler advanced the first rule.
    plans = [(_Row(rule_id, 1), plan) for rule_id in ids]
    db_api.set_rule_paused(ids[0], False, NOW)  # bumps its version
    with pytest.raises(db_api.LostRace):
        with db_api._writer() as session:
            db_api._advance_rules(session, plans)
    assert {r['next_fire_at'] for r in db_api.list_rules()} == {NOW}


def _claimed(count: int) -> tuple[str, list[dict]]:
    _rules(count)
    runs = _fire(lambda row: db_api.FirePlan(
        LATER, [(row.next_fire_at, 'pending', None)]))
    return db_api.claim_runs([r['id'] for r in runs], 'h', NOW)


def _outcome(run: dict, token: str, state: str = 'succeeded',
             seconds: int = 1, error=None) -> dict:
    return {'id': run['id'], 'claim_token': token, 'state': state,
            'finished_at': NOW + datetime.timedelta(seconds=seconds),
            'result': None, 'error': error}


def test_finish_runs_records_outcomes_in_one_go():
    token, runs = _claimed(4)
    outcomes = [_outcome(run, token, seconds=i) for i, run in
                enumerate(runs[:3])]
    outcomes.append(_outcome(runs[3], token, 'failed', error='boom'))
    assert sorted(db_api.finish_runs(outcomes)) == sorted(
        r['id'] for r in runs)
    stored = {r['id']: r for r in db_api.list_runs()}
    for run in runs[:3]:
        assert stored[run['id']]['state'] == 'succeeded'
        # Alike outcomes share the latest finish time of their batch.
        assert stored[run['id']]['finished_at'] == (
            NOW + datetime.timedelta(seconds=2))
    assert stored[runs[3]['id']]['state'] == 'failed'
    assert stored[runs[3]['id']]['error'] == 'boom'


def test_finish_runs_skips_claims_that_are_no_longer_ours():
    token, runs = _claimed(3)
    later = NOW + datetime.timedelta(minutes=5)
    db_api.reap_lost_runs(None, later, 3, later, 100)
    token2, again = db_api.claim_runs([runs[0]['id']], 'h2', later)
    outcomes = [_outcome(run, token) for run in runs]
    # Every claim of the first token was reaped: nothing is recorded,
    # and the new attempt of the first run keeps running.
    assert db_api.finish_runs(outcomes) == []
    stored = {r['id']: r for r in db_api.list_runs()}
    assert stored[runs[0]['id']]['state'] == 'running'
    assert db_api.finish_runs([_outcome(again[0], token2)]) == [
        runs[0]['id']]
