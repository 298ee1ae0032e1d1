"""Tests of the rule, run and deployment functions of the database API."""

import datetime

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures('sqlite_db')


def _rule(name: str, project_id: str = 'demo', **values) -> dict:
    rule = {
        'project_id': project_id, 'name': name, 'description': None,
        'job_type': 'noop', 'job_args': {'record': '/tmp/x'},
        'trigger_kind': 'interval', 'trigger_expr': '10s',
        'timezone': 'UTC', 'start_at': None, 'end_at': None,
        'paused': False, 'misfire_policy': 'fire_once',
        'misfire_grace_time': None, 'bucket': 3, 'next_fire_at': NOW,
    }
    rule.update(values)
    return rule


def _fire_all(now: datetime.datetime) -> list[dict]:
    def planner(row):
        return db_api.FirePlan(None, [(row.next_fire_at, 'pending', None)])
    return db_api.fire_due_rules(None, now, planner, limit=100)[1]


def test_create_and_get():
    [rule_id] = db_api.create_rules([_rule('a', start_at=NOW)])
    rule = db_api.get_rule(rule_id)
    assert rule['name'] == 'a'
    assert rule['job_args'] == {'record': '/tmp/x'}
    assert rule['version'] == 1
    assert rule['start_at'] == NOW
    assert rule['next_fire_at'] == NOW
    assert rule['created_at'].tzinfo is not None
    assert rule['updated_at'] is None


def test_create_keeps_given_id():
    rule_id = '6c1d7d0e-93b5-4a39-9a39-bc3a6a4b6f11'
    assert db_api.create_rules([_rule('a', id=rule_id)]) == [rule_id]
    assert db_api.get_rule(rule_id)['name'] == 'a'


def test_create_is_all_or_nothing():
    db_api.create_rules([_rule('a')])
    with pytest.raises(exception.DuplicateRule) as info:
        db_api.create_rules([_rule('b'), _rule('a')])
    assert 'nothing was written' in str(info.value)
    assert [r['name'] for r in db_api.list_rules()] == ['a']


def test_rule_names():
    [a] = db_api.create_rules([_rule('a')])
    other = '6c1d7d0e-93b5-4a39-9a39-bc3a6a4b6f11'
    assert db_api.rule_names([a, other]) == {a: (_rule('a')['project_id'],
                                                 'a')}
    assert db_api.rule_names([]) == {}


def test_same_name_in_other_project_is_allowed():
    db_api.create_rules([_rule('a'), _rule('a', project_id='other')])
    assert db_api.count_rules() == 2


def test_replace_updates_in_place():
    [rule_id] = db_api.create_rules([_rule('a')])
    ids = db_api.create_rules(
        [_rule('a', job_type='sleep', bucket=7), _rule('b')], replace=True)
    assert ids[0] == rule_id
    rule = db_api.get_rule(rule_id)
    assert rule['job_type'] == 'sleep'
    assert rule['bucket'] == 3
    assert rule['version'] == 2
    assert rule['updated_at'] is not None
    assert db_api.count_rules() == 2


def test_find_rule():
    [rule_id] = db_api.create_rules([_rule('a')])
    assert db_api.find_rule('demo', 'a')['id'] == rule_id
    with pytest.raises(exception.RuleNotFound):
        db_api.find_rule('other', 'a')


@pytest.mark.parametrize('call', [
    lambda: db_api.get_rule('missing'),
    lambda: db_api.delete_rule('missing'),
    lambda: db_api.set_rule_paused('missing', True, None),
])
def test_missing_rule(call):
    with pytest.raises(exception.RuleNotFound):
        call()


def test_list_pagination():
    ids = db_api.create_rules([_rule(f'r{i}') for i in range(5)])
    seen, marker = [], None
    while True:
        page = db_api.list_rules(limit=2, marker=marker)
        if not page:
            break
        assert len(page) <= 2
        seen.extend(r['id'] for r in page)
        marker = page[-1]['id']
    assert seen == sorted(ids)


def test_list_by_project():
    db_api.create_rules([_rule('a'), _rule('b', project_id='other')])
    assert [r['name'] for r in db_api.list_rules('other')] == ['b']
    assert db_api.list_rules('nobody') == []


def test_delete_cascades_to_runs():
    [rule_id] = db_api.create_rules([_rule('a')])
    [run] = _fire_all(NOW)
    assert run['rule_id'] == rule_id
    assert db_api.run_counts_by_state() == {'pending': 1}
    db_api.delete_rule(rule_id)
    assert db_api.list_runs(rule_id) == []
    assert db_api.run_counts_by_state() == {}
    assert db_api.count_rules() == 0


def test_pause_and_resume():
    [rule_id] = db_api.create_rules([_rule('a')])
    paused = db_api.set_rule_paused(rule_id, True, None)
    assert paused['paused'] is True
    assert paused['next_fire_at'] is None
    assert paused['version'] == 2
    assert _fire_all(NOW + datetime.timedelta(days=1)) == []
    later = NOW + datetime.timedelta(hours=1)
    resumed = db_api.set_rule_paused(rule_id, False, later)
    assert resumed['paused'] is False
    assert resumed['next_fire_at'] == later
    assert resumed['version'] == 3


def test_ensure_num_buckets():
    assert db_api.get_deployment_value('num_buckets') is None
    assert db_api.ensure_num_buckets(64) == 64
    assert db_api.ensure_num_buckets(64) == 64
    assert db_api.get_deployment_value('num_buckets') == '64'
    with pytest.raises(exception.BucketCountMismatch) as info:
        db_api.ensure_num_buckets(128)
    assert (info.value.configured, info.value.stored) == (128, 64)


def _runs_planned_ahead(names: list[str]) -> dict[str, str]:
    """Rules due one minute from now, fired ahead: {name: run state}."""
    ahead = datetime.datetime.now(UTC) + datetime.timedelta(minutes=1)
    db_api.create_rules([_rule(n, next_fire_at=ahead) for n in names])
    db_api.fire_due_rules(
        None, datetime.datetime.now(UTC),
        lambda row: db_api.FirePlan(None, [(row.next_fire_at, 'pending',
                                            None)]),
        limit=100, horizon=ahead)
    return _run_states()


def _run_states() -> dict[str, str]:
    names = {r['id']: r['name'] for r in db_api.list_rules()}
    return {names[r['rule_id']]: r['state'] for r in db_api.list_runs()}


def test_pause_withdraws_runs_planned_ahead():
    assert _runs_planned_ahead(['a', 'b']) == {'a': 'pending',
                                               'b': 'pending'}
    rule = db_api.find_rule('demo', 'a')
    db_api.set_rule_paused(rule['id'], True, None)
    assert _run_states() == {'b': 'pending'}


def test_pause_keeps_runs_whose_time_has_come():
    past = datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)
    [rule_id] = db_api.create_rules([_rule('a', next_fire_at=past)])
    _fire_all(past)
    db_api.set_rule_paused(rule_id, True, None)
    assert _run_states() == {'a': 'pending'}


def test_replace_withdraws_runs_planned_ahead():
    _runs_planned_ahead(['a', 'b'])
    db_api.create_rules([_rule('a', trigger_expr='20s')], replace=True)
    assert _run_states() == {'b': 'pending'}


def test_a_claimed_run_is_not_withdrawn():
    _runs_planned_ahead(['a'])
    [run] = db_api.list_runs()
    db_api.claim_runs([run['id']], 'host', datetime.datetime.now(UTC))
    db_api.set_rule_paused(db_api.find_rule('demo', 'a')['id'], True, None)
    assert _run_states() == {'a': 'running'}
