"""Tests of the checks on the executor's ``execute_runs`` arguments."""

import datetime
import uuid

import pytest

from migrator_scheduler.conf import scheduler as scheduler_conf
from migrator_scheduler.rpc import executor_messages as messages

UTC = datetime.timezone.utc
CAST_AT = datetime.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def _ids(count):
    return [str(uuid.uuid4()) for _ in range(count)]


def _refused(arguments):
    with pytest.raises(messages.InvalidMessage) as info:
        messages.parse_execute_runs(arguments)
    return info.value


def test_the_1_1_form_round_trips():
    ids = _ids(3)
    sent = messages.cast_arguments(ids, CAST_AT)
    assert messages.parse_execute_runs(sent) == (ids, CAST_AT)


def test_the_1_0_form_has_no_cast_time():
    ids = _ids(2)
    sent = messages.cast_arguments(ids, None)
    assert sent == {'run_ids': ids}
    assert messages.parse_execute_runs(sent) == (ids, None)


def test_the_cast_time_is_sent_in_utc_without_a_z():
    local = CAST_AT.astimezone(datetime.timezone(datetime.timedelta(
        hours=8)))
    sent = messages.cast_arguments(_ids(1), local)['cast_at']
    assert sent == '2030-01-02T03:04:05.678901+00:00'


def test_duplicate_run_ids_are_dropped_in_order():
    a, b = _ids(2)
    assert messages.parse_execute_runs(
        {'run_ids': [a, b, a]}).run_ids == [a, b]


def test_the_largest_cast_batch_is_accepted_one_more_is_not():
    ids = _ids(scheduler_conf.MAX_CAST_BATCH_SIZE)
    assert len(messages.parse_execute_runs({'run_ids': ids}).run_ids) == (
        scheduler_conf.MAX_CAST_BATCH_SIZE)
    error = _refused({'run_ids': ids + _ids(1)})
    assert error.field == 'run_ids'
    assert str(error) == (
        f'run_ids: {scheduler_conf.MAX_CAST_BATCH_SIZE + 1} run ids, at '
        f'most {scheduler_conf.MAX_CAST_BATCH_SIZE} per message')


@pytest.mark.parametrize('arguments, expected', [
    ({}, 'run_ids: missing'),
    ({'run_ids': None}, 'run_ids: a list is required, not NoneType'),
    ({'run_ids': 'abc'}, 'run_ids: a list is required, not str'),
    ({'run_ids': {'a': 1}}, 'run_ids: a list is required, not dict'),
    ({'run_ids': []}, 'run_ids: empty'),
    ({'run_ids': [5]}, 'run_ids[0]: not a run id: 5'),
    ({'run_ids': [None]}, 'run_ids[0]: not a run id: None'),
    ({'run_ids': [['x']]}, 'run_ids[0]: not a run id: a list'),
    ({'run_ids': ['1; DROP TABLE runs']},
     "run_ids[0]: not a run id: '1; DROP TABLE runs'"),
    # Upper case is not how run ids are written.
    ({'run_ids': [str(uuid.uuid4()).upper()]}, 'run_ids[0]: not a run id'),
    ({'run_ids': ['x'], 'extra': 1}, "arguments: unexpected: 'extra'"),
    ({'run_ids': ['x'], 'b': 1, 'a': 2, 'c': 3, 'd': 4},
     "arguments: unexpected: 'a', 'b', 'c' and 1 more"),
    ({'run_ids': _ids(1), 'cast_at': 17}, 'cast_at: not a time: 17'),
    ({'run_ids': _ids(1), 'cast_at': 'yesterday'},
     "cast_at: not a time: 'yesterday'"),
    ({'run_ids': _ids(1), 'cast_at': '2030-01-02T03:04:05'},
     'cast_at: a UTC offset is required'),
])
def test_malformed_arguments_are_named(arguments, expected):
    assert str(_refused(arguments)).startswith(expected)


def test_the_error_shows_little_of_a_huge_value():
    huge = 'x' * 1_000_000
    for arguments in ({'run_ids': [huge]}, {'run_ids': _ids(1),
                                            'cast_at': huge},
                      {huge: 1, 'run_ids': _ids(1)}):
        assert len(str(_refused(arguments))) < 100


def test_the_error_renders_no_huge_number_or_container():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    error = _refused({'run_ids': [10 ** 5000]})
    assert str(error) == 'run_ids[0]: not a run id: a very long number'
    assert str(_refused({'run_ids': [deep]})).endswith('a list')


def test_a_bad_id_is_named_by_its_position():
    ids = _ids(5)
    ids[3] = 'not-a-run'
    assert _refused({'run_ids': ids}).field == 'run_ids[3]'
