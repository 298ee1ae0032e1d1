"""Interval triggers."""

import datetime

import pytest

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers.helpers import fires
from migrator_scheduler.tests.unit.triggers.helpers import utc


def interval(expression, timezone='UTC', **kwargs):
    return triggers.build_trigger('interval', expression, timezone,
                                  **kwargs)


@pytest.mark.parametrize('expression, seconds', [
    ('300', 300),
    ('1', 1),
    ('45s', 45),
    ('5m', 300),
    ('2h', 7200),
    ('1d', 86400),
    ('366d', 366 * 86400),
    (' 5M ', 300),
    ('0010', 10),
])
def test_period(expression, seconds):
    assert interval(expression).period == datetime.timedelta(
        seconds=seconds)


@pytest.mark.parametrize('expression, message', [
    ('0', 'at least 1 second'),
    ('0m', 'at least 1 second'),
    ('367d', 'longer than 366 days'),
    ('31622401', 'longer than 366 days'),
    ('999999999999d', 'longer than 366 days'),
    ('', 'not an interval'),
    ('-5', 'not an interval'),
    ('+5', 'not an interval'),
    ('1.5h', 'not an interval'),
    ('5 m', 'not an interval'),
    ('5w', 'not an interval'),
    ('PT5M', 'not an interval'),
    ('1h30m', 'not an interval'),
    ('\u0665', 'not an interval'),
])
def test_invalid(expression, message):
    with pytest.raises(exception.InvalidTrigger) as error:
        interval(expression)
    assert error.value.field == 'trigger.expression'
    assert message in error.value.message


def test_anchored_on_the_epoch():
    trigger = interval('7m')
    fire = trigger.next_fire(utc(2024, 1, 1))
    assert (fire - utc(1970, 1, 1)) % datetime.timedelta(minutes=7) == (
        datetime.timedelta(0))
    assert datetime.timedelta(0) < fire - utc(2024, 1, 1) <= (
        datetime.timedelta(minutes=7))


def test_every_scheduler_computes_the_same_grid():
    trigger = interval('1h')
    a = fires(trigger, utc(2024, 1, 1, 0, 17), 3)
    b = fires(trigger, utc(2024, 1, 1, 0, 59, 59), 3)
    assert a == b == [utc(2024, 1, 1, 1), utc(2024, 1, 1, 2),
                      utc(2024, 1, 1, 3)]


def test_strictly_after():
    assert interval('1h').next_fire(utc(2024, 1, 1, 1)) == utc(
        2024, 1, 1, 2)


def test_anchored_on_start_at():
    start = utc(2024, 1, 1, 0, 0, 7, 250)
    trigger = interval('10s', start_at=start)
    assert trigger.next_fire(utc(2000, 1, 1)) == start
    assert trigger.next_fire(start) == start + datetime.timedelta(
        seconds=10)
    assert trigger.next_fire(utc(2024, 1, 1, 0, 1)) == start + (
        datetime.timedelta(seconds=60))


def test_elapsed_time_across_dst():
    # 1d is 86400 s: the wall-clock time moves by an hour across DST.
    trigger = interval('1d', 'Europe/Berlin')
    times = fires(trigger, utc(2024, 3, 30, 12), 2)
    assert times == [utc(2024, 3, 31), utc(2024, 4, 1)]


def test_end_at():
    trigger = interval('1h', end_at=utc(2024, 1, 1, 2))
    assert fires(trigger, utc(2024, 1, 1), 5) == [
        utc(2024, 1, 1, 1), utc(2024, 1, 1, 2)]


def test_before_the_epoch():
    assert interval('1d').next_fire(utc(1960, 5, 5, 12)) == utc(1960, 5, 6)


def test_near_the_end_of_time():
    assert interval('366d').next_fire(utc(9999, 12, 1)) is None


def test_timezone_is_validated():
    with pytest.raises(exception.InvalidTrigger) as error:
        interval('5m', 'Mars/Base')
    assert error.value.field == 'trigger.timezone'


@pytest.mark.parametrize('start, end, count', [
    (utc(2024, 1, 1), utc(2024, 1, 2), 24),
    (utc(2024, 1, 1, 0, 0, 0, 1), utc(2024, 1, 2), 23),
    (utc(2024, 1, 1), utc(2024, 1, 2, 0, 0, 0, 1), 25),
    (utc(2024, 1, 2), utc(2024, 1, 1), 0),
])
def test_count_fires(start, end, count):
    assert interval('1h').count_fires(start, end) == count
