"""Overlap policies and concurrency limits, as claims apply them."""

import datetime

import pytest

from migrator_scheduler.db import admission
from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.unit.db import test_api as helpers

NOW = helpers.NOW
DEFAULTS = admission.Defaults(overlap_policy='skip', concurrency_limit=2)
pytestmark = pytest.mark.usefixtures('sqlite_db')


def _at(seconds):
    return NOW + datetime.timedelta(seconds=seconds)


def _runs(name='a', count=2, **rule):
    """``count`` pending runs of one rule, oldest first."""
    [rule_id] = db_api.create_rules([helpers._rule(name, **rule)])
    ids = []
    for index in range(count):
        run_id = f'{name}-{index}'
        with db_api._writer() as session:
            session.execute(db_api.models.runs.insert().values(
                id=run_id, rule_id=rule_id, bucket=3,
                scheduled_for=_at(index), state='pending', attempt=1,
                created_at=_at(index)))
        ids.append(run_id)
    return ids


def _claim(ids, defaults=DEFAULTS):
    _, claimed = db_api.claim_runs(ids, 'host-a', _at(10),
                                   defaults=defaults)
    return sorted(run['id'] for run in claimed)


def _states():
    return {run['id']: (run['state'], run['reason'])
            for run in db_api.list_runs(limit=1000)}


def _finish(run_id, promoted=None, defaults=DEFAULTS):
    [run] = [r for r in db_api.list_runs(limit=1000) if r['id'] == run_id]
    return db_api.finish_runs([{
        'id': run_id, 'claim_token': run['claim_token'],
        'state': 'succeeded', 'finished_at': _at(20), 'result': None,
        'error': None}], defaults, promoted)


def test_skip_runs_one_run_of_a_rule_at_a_time():
    first, second = _runs()
    assert _claim([first, second]) == [first]
    assert _states()[second] == ('skipped', 'overlap')
    [third] = _runs('b', 1)
    assert _claim([third]) == [third]  # another rule: not held back


def test_skip_while_a_run_of_the_rule_is_running():
    first, second = _runs()
    assert _claim([first]) == [first]
    assert _claim([second]) == []
    assert _states()[second] == ('skipped', 'overlap')


def test_allow_runs_them_together():
    ids = _runs(overlap_policy='allow')
    assert _claim(ids) == ids


def test_queue_one_waits_for_the_running_run_then_starts():
    first, second, third = _runs(count=3, overlap_policy='queue_one')
    assert _claim([first]) == [first]
    assert _claim([second, third]) == []
    states = _states()
    assert states[second] == ('waiting', 'overlap')
    assert states[third] == ('skipped', 'overlap')
    promoted = []
    assert _finish(first, promoted) == [first]
    assert [run['id'] for run in promoted] == [second]
    assert _states()[second][0] == 'pending'
    assert _claim([second]) == [second]


def test_cancel_previous_asks_the_running_run_to_stop():
    first, second = _runs(overlap_policy='cancel_previous')
    assert _claim([first]) == [first]
    assert db_api.cancel_requested([first]) == []
    assert _claim([second]) == []
    assert _states()[second][0] == 'waiting'
    assert db_api.cancel_requested([first, second]) == [first]
    promoted = []
    _finish(first, promoted)
    assert [run['id'] for run in promoted] == [second]


def test_a_concurrency_key_limits_runs_across_rules():
    ids = []
    for name in 'abcde':
        ids += _runs(name, 1, concurrency_key='cloud-{args.cloud}',
                     job_args={'cloud': 'east'})
    assert _claim(ids) == ids[:2]
    states = _states()
    assert [states[i][0] for i in ids[2:]] == ['waiting'] * 3
    assert states[ids[2]][1] == 'concurrency: 2 running with key cloud-east'
    # Another claim admits nothing more while two run.
    assert _claim(ids[2:]) == []
    promoted = []
    _finish(ids[0], promoted)
    assert [run['id'] for run in promoted] == [ids[2]]
    assert _claim([ids[2]]) == [ids[2]]
    limits = db_api.list_concurrency_limits()
    assert limits == [{'key': 'cloud-east', 'max_running': None,
                       'running': 2, 'waiting': 2}]


def test_a_key_of_its_own_limit():
    db_api.set_concurrency_limit('k', 1)
    ids = []
    for name in 'abc':
        ids += _runs(name, 1, concurrency_key='k')
    assert _claim(ids) == ids[:1]
    db_api.set_concurrency_limit('k', None)  # back to the default, 2
    assert db_api.promote_waiting(None, _at(30), 100, DEFAULTS) == [
        {'id': ids[1], 'rule_id': db_api.find_rule('demo', 'b')['id'],
         'bucket': 3, 'scheduled_for': _at(0)}]


def test_the_sweep_promotes_what_nothing_holds_back():
    first, second = _runs(overlap_policy='queue_one')
    _claim([first])
    _claim([second])
    # The executor of the first run died: its run ended without it.
    with db_api._writer() as session:
        session.execute(db_api.models.runs.update().where(
            db_api.models.runs.c.id == first).values(state='lost'))
    assert db_api.promote_waiting([7], _at(30), 100, DEFAULTS) == []
    [promoted] = db_api.promote_waiting([3], _at(30), 100, DEFAULTS)
    assert promoted['id'] == second
    assert _states()[second][0] == 'pending'
    # Cast by the sweep: a retry due now.
    assert [r['id'] for r in db_api.runs_to_dispatch(
        None, undispatched_before=_at(0), dispatched_before=_at(0),
        limit=10, retry_before=_at(31))] == [second]


def test_a_key_this_process_knew_gets_its_row_back(monkeypatch):
    monkeypatch.setattr(admission, '_known_keys', {'k'})
    ids = []
    for name in 'abc':
        ids += _runs(name, 1, concurrency_key='k')
    assert _claim(ids) == ids[:2]
    assert [i['key'] for i in db_api.list_concurrency_limits()] == ['k']
