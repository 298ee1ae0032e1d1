"""Tests of rule document validation and export."""

import datetime
import uuid

import pytest

from migrator_scheduler.common import buckets
from migrator_scheduler import exception
from migrator_scheduler.rules import spec
from migrator_scheduler.triggers import spread as spread_mod

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, 3, tzinfo=UTC)
DEFAULTS = spec.RuleDefaults(num_buckets=64,
                             job_types=frozenset({'noop', 'sleep'}))


def _doc(**changes) -> dict:
    document = {'name': 'sync-web01',
                'job': {'type': 'noop'},
                'trigger': {'kind': 'interval', 'expression': '10s'}}
    document.update(changes)
    return document


def _errors(document) -> list[str]:
    values, errors = spec.check_rule(document, DEFAULTS, NOW)
    assert values is None
    return [str(error) for error in errors]


def test_minimal_document():
    values = spec.validate_rule(_doc(), DEFAULTS, NOW)
    assert uuid.UUID(values['id'])
    assert values['bucket'] == buckets.bucket_for(values['id'], 64)
    assert values == {
        'id': values['id'], 'bucket': values['bucket'],
        'project_id': 'default', 'name': 'sync-web01', 'description': None,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
        'trigger_expr': '10s', 'timezone': 'UTC', 'start_at': None,
        'end_at': None, 'paused': False, 'misfire_policy': 'fire_once',
        'misfire_grace_time': None, 'job_timeout': None,
        'max_attempts': None, 'retry_delay': None, 'retry_max_delay': None,
        'overlap_policy': None, 'concurrency_key': None, 'max_runs': None,
        'spread_window': None, 'spread_jitter': None,
        'next_fire_at': NOW.replace(second=10),
    }


def test_full_document():
    rule_id = '6C1D7D0E-93B5-4A39-9A39-BC3A6A4B6F11'
    values = spec.validate_rule({
        'id': rule_id, 'name': 'n', 'project_id': 'demo',
        'description': 'line one\nline two',
        'job': {'type': 'sleep', 'args': {'seconds': 2, 'tags': ['a']},
                'timeout': 900, 'retry': {'max_attempts': 5, 'delay': 10,
                                          'max_delay': 300}},
        'trigger': {'kind': 'cron', 'expression': '0 2 * * *',
                    'timezone': 'Asia/Shanghai',
                    'start_at': '2030-06-01T00:00:00+08:00',
                    'end_at': datetime.datetime(2031, 1, 1, tzinfo=UTC)},
        'misfire_policy': 'fire_all', 'misfire_grace_time': 0,
    }, DEFAULTS, NOW)
    assert values['id'] == rule_id.lower()
    assert values['job_args'] == {'seconds': 2, 'tags': ['a']}
    assert values['start_at'] == datetime.datetime(2030, 5, 31, 16,
                                                   tzinfo=UTC)
    assert values['start_at'].tzinfo is UTC
    # 02:00 in Shanghai is 18:00 UTC, from start_at on.
    assert values['next_fire_at'] == datetime.datetime(2030, 5, 31, 18,
                                                       tzinfo=UTC)
    assert values['misfire_grace_time'] == 0
    assert (values['job_timeout'], values['max_attempts'],
            values['retry_delay'], values['retry_max_delay']) == (
                900, 5, 10, 300)


@pytest.mark.parametrize('job, field, message', [
    ({'timeout': -1}, 'job.timeout', 'must be between 0 and 604800'),
    ({'timeout': '1h'}, 'job.timeout', 'must be an integer, not a string'),
    ({'retry': 3}, 'job.retry', 'must be a mapping'),
    ({'retry': {'attempts': 3}}, 'job.retry.attempts', 'unknown key'),
    ({'retry': {'max_attempts': 0}}, 'job.retry.max_attempts',
     'must be between 1 and 100'),
    ({'retry': {'delay': 1.5}}, 'job.retry.delay', 'must be an integer'),
])
def test_bad_run_policies_name_their_field(job, field, message):
    document = _doc()
    document['job'].update(job)
    values, errors = spec.check_rule(document, DEFAULTS, NOW)
    assert values is None
    assert [e.field for e in errors] == [field]
    assert message in errors[0].message


def test_spread_is_stored_in_its_columns():
    values = spec.validate_rule(_doc(spread={'window': 1800, 'jitter': 30}),
                                DEFAULTS, NOW)
    assert (values['spread_window'], values['spread_jitter']) == (1800, 30)
    one = spec.validate_rule(_doc(spread={'jitter': 5}), DEFAULTS, NOW)
    assert (one['spread_window'], one['spread_jitter']) == (None, 5)
    default = spread_mod.Spread(60, 2)
    assert spec.spread_of(one, default) == spread_mod.Spread(60, 5)
    assert spec.spread_of(_values(), default) == default


def _values():
    return spec.validate_rule(_doc(), DEFAULTS, NOW)


@pytest.mark.parametrize('value, field, message', [
    ({'window': -1}, 'spread.window', 'must be between 0 and 86400'),
    ({'window': 86401}, 'spread.window', 'must be between 0 and 86400'),
    ({'window': '30m'}, 'spread.window', 'must be an integer'),
    ({'jitter': 3601}, 'spread.jitter', 'must be between 0 and 3600'),
    ({'jitter': True}, 'spread.jitter', 'must be an integer'),
    ({'windows': 10}, 'spread.windows', 'unknown key'),
    (1800, 'spread', 'must be a mapping'),
])
def test_bad_spread_names_its_field(value, field, message):
    values, errors = spec.check_rule(_doc(spread=value), DEFAULTS, NOW)
    assert values is None
    assert [e.field for e in errors] == [field]
    assert message in errors[0].message


def test_null_means_default():
    rule_id = str(uuid.uuid4())
    document = _doc(id=rule_id, project_id=None, paused=None,
                    misfire_policy=None, description=None,
                    misfire_grace_time=None)
    document['trigger'] = {'kind': 'interval', 'expression': '10s',
                           'timezone': None}
    assert spec.validate_rule(document, DEFAULTS, NOW) == (
        spec.validate_rule(_doc(id=rule_id), DEFAULTS, NOW))


def test_paused_has_no_next_fire():
    values = spec.validate_rule(_doc(paused=True), DEFAULTS, NOW)
    assert values['next_fire_at'] is None


@pytest.mark.parametrize('trigger, expected', [
    ({'kind': 'oneshot', 'expression': '2000-01-01T00:00:00Z'},
     'trigger.expression: 2000-01-01T00:00:00Z (2000-01-01T00:00:00+00:00) '
     'is in the past (now is 2030-01-01T12:00:03+00:00): the rule would '
     'never fire'),
    ({'kind': 'oneshot', 'expression': '2030-01-01T12:00:03Z'},
     'trigger.expression: 2030-01-01T12:00:03Z'),
    ({'kind': 'oneshot', 'expression': '2030-06-01T00:00:00Z',
      'start_at': '2030-07-01T00:00:00Z'},
     'trigger.start_at: 2030-07-01T00:00:00+00:00 is after the one-shot '
     'time 2030-06-01T00:00:00+00:00: the rule would never fire'),
    ({'kind': 'oneshot', 'expression': '2030-06-01T00:00:00',
      'timezone': 'Asia/Shanghai', 'end_at': '2030-05-31T12:00:00Z'},
     'trigger.end_at: 2030-05-31T12:00:00+00:00 is before the one-shot '
     'time 2030-05-31T16:00:00+00:00: the rule would never fire'),
    ({'kind': 'cron', 'expression': '@daily',
      'end_at': '2029-12-31T00:00:00Z'},
     'trigger.end_at: 2029-12-31T00:00:00+00:00 is in the past (now is '
     '2030-01-01T12:00:03+00:00): the rule would never fire'),
    ({'kind': 'cron', 'expression': '0 0 1 1 *',
      'start_at': '2030-02-01T00:00:00Z', 'end_at': '2030-12-31T00:00:00Z'},
     'trigger.end_at: no fire time from now (or start_at '
     '2030-02-01T00:00:00+00:00) to 2030-12-31T00:00:00+00:00: the rule '
     'would never fire'),
])
def test_trigger_that_never_fires_again_is_refused(trigger, expected):
    for paused in (False, True):
        errors = _errors(_doc(trigger=trigger, paused=paused))
        assert len(errors) == 1
        assert errors[0].startswith(expected)
    values, errors = spec.check_rule(_doc(trigger=trigger), DEFAULTS, NOW,
                                     allow_exhausted=True)
    assert errors == []
    assert values['next_fire_at'] is None
    assert str(spec.exhausted_error(values, NOW)).startswith(expected)


def test_trigger_firing_after_now_is_not_exhausted():
    values = spec.validate_rule(_doc(trigger={
        'kind': 'oneshot', 'expression': '2030-01-01T12:00:04Z'}),
        DEFAULTS, NOW)
    assert values['next_fire_at'] == NOW.replace(second=4)
    assert spec.exhausted_error(values, NOW) is None


def test_integer_interval_is_accepted():
    document = _doc(trigger={'kind': 'interval', 'expression': 300})
    assert spec.validate_rule(document, DEFAULTS, NOW)['trigger_expr'] == '300'


def test_job_types_unchecked_without_list():
    defaults = spec.RuleDefaults(num_buckets=8)
    document = _doc(job={'type': 'anything'})
    assert spec.validate_rule(document, defaults, NOW)['job_type'] == (
        'anything')


@pytest.mark.parametrize('document, expected', [
    ([], 'rule: must be a mapping, not a list'),
    (_doc(name=None), 'name: is required'),
    (_doc(name=''), 'name: must be 1 to 255 characters long'),
    (_doc(name='x' * 256), 'name: must be 1 to 255 characters long'),
    (_doc(name=5), 'name: must be a string, not an integer'),
    (_doc(name='a\x00b'), 'name: must not contain control characters'),
    (_doc(project_id=''), 'project_id: must be 1 to 255'),
    (_doc(id='abc'), "id: 'abc' is not a UUID"),
    (_doc(description=['x']), 'description: must be a string'),
    (_doc(nmae='x'), "nmae: unknown key; did you mean 'name'?"),
    (_doc(colour='red'), 'colour: unknown key; expected one of:'),
    (_doc(job=None), 'job: is required'),
    (_doc(job='noop'), 'job: must be a mapping, not a string'),
    (_doc(job={}), 'job.type: is required'),
    (_doc(job={'type': 'snapshot'}),
     "job.type: unknown job type 'snapshot'; installed: noop, sleep"),
    (_doc(job={'type': 'noop', 'arg': {}}),
     "job.arg: unknown key; did you mean 'args'?"),
    (_doc(job={'type': 'noop', 'args': [1]}),
     'job.args: must be a mapping, not a list'),
    (_doc(job={'type': 'noop', 'args': {'a': {1: 2}}}),
     'job.args.a: keys must be strings'),
    (_doc(job={'type': 'noop', 'args': {'a': [float('nan')]}}),
     'job.args.a[0]: must be a finite number'),
    (_doc(job={'type': 'noop',
               'args': {'when': datetime.date(2030, 1, 1)}}),
     'job.args.when: a date cannot be stored'),
    (_doc(trigger=None), 'trigger: is required'),
    (_doc(trigger={'expression': '1m'}), 'trigger.kind: is required'),
    (_doc(trigger={'kind': 'weekly', 'expression': '1m'}),
     "trigger.kind: 'weekly' is not one of: cron, interval, oneshot"),
    (_doc(trigger={'kind': 'cron'}), 'trigger.expression: is required'),
    (_doc(trigger={'kind': 'cron', 'expression': '61 * * * *'}),
     'trigger.expression:'),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'timezone': 'Mars/Base'}),
     "trigger.timezone: unknown timezone 'Mars/Base'"),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'tz': 'UTC'}),
     'trigger.tz: unknown key'),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'start_at': 'tomorrow'}),
     "trigger.start_at: 'tomorrow' is not an ISO 8601 date-time"),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'start_at': '2030-01-01T00:00:00'}),
     'trigger.start_at: needs a UTC offset'),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'end_at': datetime.date(2030, 1, 1)}),
     'trigger.end_at: must be an ISO 8601 time, not a date'),
    (_doc(trigger={'kind': 'interval', 'expression': '10s',
                   'start_at': '2030-02-01T00:00:00Z',
                   'end_at': '2030-01-01T00:00:00Z'}),
     'trigger.end_at:'),
    (_doc(misfire_policy='sometimes'),
     "misfire_policy: 'sometimes' is not one of: skip, fire_once, "
     "fire_all"),
    (_doc(misfire_grace_time=-1), 'misfire_grace_time: must be between'),
    (_doc(misfire_grace_time=True),
     'misfire_grace_time: must be an integer, not a boolean'),
    (_doc(paused='no'), 'paused: must be true or false, not a string'),
])
def test_error_names_field(document, expected):
    errors = _errors(document)
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected)


def test_all_errors_are_collected():
    errors = _errors({'name': '', 'typo': 1, 'paused': 1,
                      'job': {'type': 'x'},
                      'trigger': {'kind': 'cron', 'expression': '* * * * *',
                                  'timezone': 'Nowhere'}})
    fields = sorted(error.split(':')[0] for error in errors)
    assert fields == ['job.type', 'name', 'paused', 'trigger.timezone',
                      'typo']


def test_validate_raises_first_error():
    with pytest.raises(exception.InvalidInput) as info:
        spec.validate_rule(_doc(paused=3), DEFAULTS, NOW)
    assert info.value.field == 'paused'


def test_document_omits_defaults():
    values = spec.validate_rule(_doc(), DEFAULTS, NOW)
    assert spec.rule_to_document(values) == {
        'name': 'sync-web01', 'id': values['id'], 'job': {'type': 'noop'},
        'trigger': {'kind': 'interval', 'expression': '10s',
                    'timezone': 'UTC'}}


@pytest.mark.parametrize('document', [
    _doc(),
    _doc(project_id='demo', description='', paused=True,
         misfire_policy='skip', misfire_grace_time=0,
         spread={'window': 1800, 'jitter': 0},
         job={'type': 'sleep', 'args': {'seconds': 1.5, 'n': None}},
         trigger={'kind': 'cron', 'expression': '*/5 * * * * 30',
                  'timezone': 'Europe/Berlin',
                  'start_at': '2030-03-31T01:30:00.123456+02:00',
                  'end_at': '2031-01-01T00:00:00Z'}),
])
def test_document_round_trip(document):
    values = spec.validate_rule(document, DEFAULTS, NOW)
    exported = spec.rule_to_document(values)
    again = spec.validate_rule(exported, DEFAULTS, NOW)
    assert again == values
    assert spec.same_definition(values, again)
    assert spec.rule_to_document(again) == exported


def test_same_definition():
    values = spec.validate_rule(_doc(), DEFAULTS, NOW)
    other = spec.validate_rule(_doc(), DEFAULTS, NOW)
    assert values['id'] != other['id']
    assert spec.same_definition(values, other)
    other['job_args'] = {'record': '/tmp/x'}
    assert not spec.same_definition(values, other)
    spread = spec.validate_rule(_doc(spread={'window': 60}), DEFAULTS, NOW)
    assert not spec.same_definition(values, spread)


def test_overlap_and_concurrency_key():
    document = _doc(overlap='queue_one',
                    concurrency={'key': 'cloud-{args.cloud}'})
    document['job'] = {'type': 'noop', 'args': {'cloud': 'east'}}
    values = spec.validate_rule(document, DEFAULTS, NOW)
    assert values['overlap_policy'] == 'queue_one'
    assert values['concurrency_key'] == 'cloud-{args.cloud}'
    exported = spec.rule_to_document(values)
    assert exported['overlap'] == 'queue_one'
    assert exported['concurrency'] == {'key': 'cloud-{args.cloud}'}


@pytest.mark.parametrize('changes, field, message', [
    ({'overlap': 'never'}, 'overlap', "'never' is not one of: skip, "
     "queue_one, allow, cancel_previous"),
    ({'concurrency': {'key': 'cloud-{args.region}'}}, 'concurrency.key',
     'unknown placeholder {args.region}'),
    ({'concurrency': {'key': 'cloud-{'}}, 'concurrency.key', 'unmatched'),
    ({'concurrency': {'key': 'k', 'name': 'x'}}, 'concurrency.name',
     'unknown key'),
    ({'concurrency': {}}, 'concurrency.key', 'is required'),
])
def test_bad_overlap_or_concurrency_names_its_field(changes, field,
                                                     message):
    values, errors = spec.check_rule(_doc(**changes), DEFAULTS, NOW)
    assert values is None
    assert [e.field for e in errors] == [field]
    assert message in errors[0].message
