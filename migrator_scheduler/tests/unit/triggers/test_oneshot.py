"""One-shot triggers."""

import pytest

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers.helpers import utc


def oneshot(expression, timezone='UTC', **kwargs):
    return triggers.build_trigger('oneshot', expression, timezone,
                                  **kwargs)


@pytest.mark.parametrize('expression, timezone, expected', [
    ('2025-06-01T12:00:00Z', 'UTC', utc(2025, 6, 1, 12)),
    ('2025-06-01t12:00z', 'Asia/Tokyo', utc(2025, 6, 1, 12)),
    ('2025-06-01T12:00:00-0330', 'UTC', utc(2025, 6, 1, 15, 30)),
    ('2025-06-01T12:00+05', 'UTC', utc(2025, 6, 1, 7)),
    ('2025-06-01T12:00:00,5Z', 'UTC', utc(2025, 6, 1, 12, 0, 0, 500000)),
    ('2025-06-01T12:00:00+02:00', 'Asia/Tokyo', utc(2025, 6, 1, 10)),
    ('2025-06-01T12:00:00', 'Europe/Berlin', utc(2025, 6, 1, 10)),
    ('2025-06-01 12:00', 'America/New_York', utc(2025, 6, 1, 16)),
    ('2025-06-01T12:00:00.250', 'UTC', utc(2025, 6, 1, 12, 0, 0, 250000)),
    # Ambiguous (clocks go back at 03:00 CEST): the first occurrence.
    ('2024-10-27T02:30:00', 'Europe/Berlin', utc(2024, 10, 27, 0, 30)),
    # The same wall time with an explicit offset picks either.
    ('2024-10-27T02:30:00+01:00', 'Europe/Berlin',
     utc(2024, 10, 27, 1, 30)),
    ('2024-04-07T01:45:00', 'Australia/Lord_Howe',
     utc(2024, 4, 6, 14, 45)),
])
def test_fire_time(expression, timezone, expected):
    trigger = oneshot(expression, timezone)
    assert trigger.fire_at == expected
    assert trigger.next_fire(utc(2000, 1, 1)) == expected


def test_fires_once():
    trigger = oneshot('2025-06-01T12:00:00Z')
    assert trigger.next_fire(utc(2025, 6, 1, 11, 59, 59)) == utc(
        2025, 6, 1, 12)
    assert trigger.next_fire(utc(2025, 6, 1, 12)) is None
    assert trigger.next_fire(utc(2026, 1, 1)) is None


def test_bounds():
    assert oneshot('2025-06-01T12:00:00Z', start_at=utc(
        2025, 6, 2)).next_fire(utc(2000, 1, 1)) is None
    assert oneshot('2025-06-01T12:00:00Z', end_at=utc(
        2025, 6, 1)).next_fire(utc(2000, 1, 1)) is None
    assert oneshot('2025-06-01T12:00:00Z', start_at=utc(2025, 6, 1, 12),
                   end_at=utc(2025, 6, 1, 12)).next_fire(
        utc(2000, 1, 1)) == utc(2025, 6, 1, 12)


@pytest.mark.parametrize('expression, timezone, message', [
    ('2025-03-30T02:30:00', 'Europe/Berlin',
     '2025-03-30T02:30:00 does not exist in Europe/Berlin'),
    ('2024-10-06T02:15', 'Australia/Lord_Howe', 'does not exist in '
     'Australia/Lord_Howe'),
    ('2023-02-30T10:00', 'UTC', 'not a valid date: month 2 of 2023 has '
     '28 days'),
    ('2024-02-30T10:00', 'UTC', 'month 2 of 2024 has 29 days'),
    ('2023-04-31T10:00:00Z', 'UTC', 'month 4 of 2023 has 30 days'),
    ('2023-13-01T10:00', 'UTC', 'months are 1-12'),
    ('2023-02-28T24:00', 'UTC', 'hour must be in 0..23'),
    ('2023-02-28T10:00:00+25:00', 'UTC', 'offset must be at most 23:59'),
    ('2023-02-28T10:00:00+01:60', 'UTC', 'offset must be at most 23:59'),
    ('tomorrow', 'UTC', 'not an ISO 8601 date-time'),
    ('20230228T100000Z', 'UTC', 'not an ISO 8601 date-time'),
    ('2023-02-28T10:00:00.1234567', 'UTC', 'not an ISO 8601 date-time'),
    ('0000-01-01T10:00', 'UTC', 'not a valid date-time'),
    ('2025-06-01', 'UTC', 'has no time of day'),
    ('', 'UTC', 'date-time is required'),
    ('0001-01-01T00:00:00+01:00', 'UTC', 'out of range'),
])
def test_invalid(expression, timezone, message):
    with pytest.raises(exception.InvalidTrigger) as error:
        oneshot(expression, timezone)
    assert error.value.field == 'trigger.expression'
    assert message in error.value.message


def test_count_fires():
    trigger = oneshot('2025-06-01T12:00:00Z')
    assert trigger.count_fires(utc(2025, 1, 1), utc(2026, 1, 1)) == 1
    assert trigger.count_fires(utc(2025, 6, 1, 12), utc(2026, 1, 1)) == 1
    assert trigger.count_fires(utc(2025, 1, 1), utc(2025, 6, 1, 12)) == 0
