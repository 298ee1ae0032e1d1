"""The chain job: its arguments and how its steps run."""

from __future__ import annotations

import datetime
import logging

import pytest

from migrator_scheduler import exception
from migrator_scheduler import jobs
from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import chain
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors

VOLUME = '4f7d2c1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f'


class FailJob(base.JobDriver):
    """Fails the way ``error`` says (default: a retryable error)."""

    args_schema = {'type': 'object',
                   'properties': {'error': {'enum': [
                       'runtime', 'permanent', 'stopping', 'claim']}},
                   'additionalProperties': False}

    def execute(self, context, args):
        error = args.get('error', 'runtime')
        if error == 'permanent':
            raise errors.PermanentJobError('volume refused')
        if error == 'stopping':
            context.cancel(context_mod.STOPPING)
            context.check()
        if error == 'claim':
            context.ensure_claim()
        raise RuntimeError('connection reset')


@pytest.fixture(autouse=True)
def fail_driver(monkeypatch):
    monkeypatch.setitem(jobs._classes, 'fail', FailJob)
    monkeypatch.setitem(jobs._drivers, 'fail', FailJob())


def _context(**kwargs) -> context_mod.JobContext:
    ids = {'run_id': 'run-1', 'rule_id': 'rule-1'}
    return context_mod.JobContext(
        run_id='run-1', rule_id='rule-1', rule_name='nightly',
        project_id='migration',
        scheduled_for=datetime.datetime(2026, 12, 1, 18,
                                        tzinfo=datetime.timezone.utc),
        attempt=1, deadline=None,
        log=context_mod.RunLogger(logging.getLogger(__name__), ids),
        **kwargs)


def test_valid_chain():
    chain.ChainJob.validate_args({'steps': [
        {'name': 'sync', 'type': 'noop'},
        {'type': 'sleep', 'args': {'seconds': 1}},
        {'name': 'snapshot', 'type': 'openstack_snapshot',
         'args': {'resource': 'volume', 'id': VOLUME, 'keep': 7}},
    ]})


@pytest.mark.parametrize('args, field', [
    ({}, 'job.args.steps'),
    ({'steps': []}, 'job.args.steps'),
    ({'steps': [{'type': 'noop'}] * 11}, 'job.args.steps'),
    ({'steps': [{'type': 'noop', 'retries': 1}]}, 'job.args.steps.0.retries'),
    ({'steps': [{'args': {}}]}, 'job.args.steps.0.type'),
    ({'steps': [{'type': 'noop'}, {'type': 'chain', 'args': {
        'steps': [{'type': 'noop'}]}}]}, 'job.args.steps.1.type'),
    ({'steps': [{'type': 'noop'}, {'type': 'no-such-driver'}]},
     'job.args.steps.1.type'),
    ({'steps': [{'type': 'noop', 'args': []}]}, 'job.args.steps.0.args'),
    ({'steps': [{'type': 'noop'}, {'type': 'sleep',
                                   'args': {'seconds': 'ten'}}]},
     'job.args.steps.1.args.seconds'),
    ({'steps': [{'type': 'noop', 'args': {'url': 'x'}}]},
     'job.args.steps.0.args.url'),
    ({'steps': [{'type': 'openstack_snapshot',
                 'args': {'resource': 'server', 'id': VOLUME,
                          'force': True}}]},
     'job.args.steps.0.args.force'),
    ({'steps': [{'name': 'a', 'type': 'noop'}, {'name': 'a', 'type': 'noop'}]},
     'job.args.steps.1.name'),
])
def test_bad_chains_name_their_field(args, field):
    with pytest.raises(exception.InvalidInput) as caught:
        chain.ChainJob.validate_args(args)
    assert caught.value.field == field


def test_steps_run_in_order_with_the_same_context(tmp_path):
    record = tmp_path / 'record'
    result = chain.ChainJob().execute(_context(), {'steps': [
        {'name': 'first', 'type': 'noop', 'args': {'record': str(record)}},
        {'type': 'sleep', 'args': {'seconds': 0, 'record': str(record)}},
    ]})
    steps = result['steps']
    assert [(s['index'], s['name'], s['type'], s['state'])
            for s in steps] == [(0, 'first', 'noop', 'succeeded'),
                                (1, None, 'sleep', 'succeeded')]
    assert steps[0]['result'] is None
    assert steps[1]['result'] == {'slept': 0.0}
    assert all(s['seconds'] >= 0 for s in steps)
    assert [line.split()[0] for line in record.read_text().splitlines()] \
        == ['run-1', 'run-1']


def test_first_failure_stops_the_chain(tmp_path, caplog):
    record = tmp_path / 'record'
    caplog.set_level(logging.INFO)
    with pytest.raises(errors.JobError) as caught:
        chain.ChainJob().execute(_context(), {'steps': [
            {'name': 'sync', 'type': 'noop'},
            {'name': 'boom', 'type': 'fail'},
            {'type': 'noop', 'args': {'record': str(record)}},
        ]})
    assert not isinstance(caught.value, errors.PermanentJobError)
    assert str(caught.value) == \
        'step 1 (boom, fail) failed: RuntimeError: connection reset'
    assert not record.exists()
    # The steps before are in the log.
    assert "'name': 'sync'" in caplog.text
    assert "'state': 'succeeded'" in caplog.text


def test_permanent_failure_stays_permanent():
    with pytest.raises(errors.PermanentJobError,
                       match=r'^step 0 \(fail\) failed: PermanentJobError'):
        chain.ChainJob().execute(_context(), {'steps': [
            {'type': 'fail', 'args': {'error': 'permanent'}},
            {'type': 'noop'},
        ]})


def test_cancellation_before_a_step_stops_the_chain():
    context = _context()
    context.cancel(context_mod.CANCELLED)
    with pytest.raises(errors.JobCancelled) as caught:
        chain.ChainJob().execute(context, {'steps': [{'type': 'noop'}]})
    assert caught.value.reason == context_mod.CANCELLED


@pytest.mark.parametrize('error, raised', [
    ('stopping', errors.JobCancelled),
    ('claim', errors.ClaimLost),
])
def test_cancellation_and_lost_claim_are_raised_unchanged(error, raised):
    with pytest.raises(raised) as caught:
        chain.ChainJob().execute(
            _context(claim_check=lambda: False),
            {'steps': [{'type': 'fail', 'args': {'error': error}},
                       {'type': 'noop'}]})
    assert type(caught.value) is raised
    assert 'step' not in str(caught.value)
