"""Every DST change of every test zone in a few years, checked against
the brute-force reading of the rules (see helpers.brute_force)."""

import datetime

import pytest

from migrator_scheduler.tests.unit.triggers import helpers

HOURS = datetime.timedelta(hours=3)


def _cases():
    for timezone in helpers.DST_ZONES:
        for year in (2011, 2024):
            for jump in helpers.transitions(timezone, year):
                yield pytest.param(timezone, jump,
                                   id=f'{timezone}-{jump:%Y%m%dT%H%M}')


def _expressions(timezone, jump):
    """Fixed-time and wildcard jobs aimed at the wall-clock times the
    change skips or repeats, among them pairs that match the same times
    but differ in kind (a step over a range, or from '*')."""
    zone = helpers.cron('* * * * *', timezone).zone
    before = (jump - helpers.EPSILON).astimezone(zone).utcoffset()
    after = jump.astimezone(zone).utcoffset()
    # The middle of the skipped or repeated wall-clock span.
    wall = (jump + min(before, after) + abs(after - before) / 2).replace(
        tzinfo=None)
    hours = f'{wall.hour % 2}-23/2'
    return [f'{wall.minute} {wall.hour} * * *',
            f'{wall.minute} * * * *',
            f'*/15 {wall.hour} * * *',
            f'0-59/15 {wall.hour} * * *',
            f'{wall.minute} {hours} * * *',
            f'{wall.minute} */2 * * *']


@pytest.mark.parametrize('timezone, jump', list(_cases()))
def test_matches_brute_force(timezone, jump):
    start, end = jump - HOURS, jump + HOURS
    for expression in _expressions(timezone, jump):
        trigger = helpers.cron(expression, timezone)
        expected = helpers.brute_force(trigger, start, end)
        assert helpers.fires_until(trigger, start, end) == expected, (
            expression)
        assert trigger.count_fires(start + helpers.EPSILON,
                                   end + helpers.EPSILON) == len(expected)
