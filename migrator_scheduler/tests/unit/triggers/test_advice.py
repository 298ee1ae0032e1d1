"""Warnings about valid triggers that were probably meant otherwise."""

import pytest

from migrator_scheduler.triggers import advice


@pytest.mark.parametrize('expression, suggestion', [
    # Quartz: 02:00 every day.
    ('0 0 2 * * *', "write '0 2 * * *' instead"),
    ('0 0 9 * * 0-59', "write '0 9 * * *' instead"),
    # Quartz: 10:15:30 every day; seconds go last here.
    ('30 15 10 * * *', "write '15 10 * * * 30' instead"),
    ('0 0 12 1-5 * */1', "write '0 12 1-5 * *' instead"),
])
def test_seconds_first(expression, suggestion):
    [warning] = advice.warnings_for('cron', expression)
    assert warning == (
        f'{expression!r} fires every second for a whole minute at a time '
        f'(the sixth field is seconds, last); if it was meant with '
        f'seconds first (Quartz, Spring), {suggestion}')


@pytest.mark.parametrize('expression', ['* * * * * *', '59 23 31 12 * *'])
def test_every_second_without_a_better_reading(expression):
    # Read with seconds first it is the same, or it would not parse.
    assert advice.warnings_for('cron', expression) == [
        f'{expression!r} fires every second for a whole minute at a time '
        f'(the sixth field is seconds, last)']


@pytest.mark.parametrize('kind, expression', [
    ('cron', '0 2 * * *'),
    ('cron', '* * * * * */10'),
    ('cron', '0 0 2 * * 0'),
    ('cron', '0 0 2 * * 0-58'),
    # Refused as invalid anyway (hour 30).
    ('cron', '0 30 9 * * *'),
    ('cron', '@daily'),
    ('cron', 'not an expression at all'),
    ('interval', '* * * * * *'),
    ('oneshot', '2030-01-01T00:00:00Z'),
])
def test_no_warning(kind, expression):
    assert advice.warnings_for(kind, expression) == []
