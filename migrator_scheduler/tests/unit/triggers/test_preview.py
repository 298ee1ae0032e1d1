"""Next fire times with their daylight saving time notes."""

import pytest

from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers.helpers import utc
from migrator_scheduler.triggers import preview


def _notes(expression, timezone, after, count):
    trigger = triggers.build_trigger('cron', expression, timezone)
    return [(f.local.isoformat(), f.note)
            for f in preview.preview(trigger, after, count)]


def test_clocks_go_back_for_a_wildcard_job():
    assert _notes('*/30 * * * *', 'Europe/Berlin',
                  utc(2024, 10, 27, 0, 10), 3) == [
        ('2024-10-27T02:30:00+02:00',
         'clocks go back: the first 02:30:00 of the day'),
        ('2024-10-27T02:00:00+01:00',
         'clocks go back: the second 02:00:00 of the day; UTC offset now '
         '+01:00 (was +02:00)'),
        ('2024-10-27T02:30:00+01:00',
         'clocks go back: the second 02:30:00 of the day'),
    ]


def test_clocks_jump_forward_for_a_fixed_time_job():
    assert _notes('30 2 * * *', 'Europe/Berlin', utc(2024, 3, 30, 12),
                  2) == [
        ('2024-03-31T03:00:00+02:00',
         'clocks jump forward from 02:00 to 03:00 at this instant'),
        ('2024-04-01T02:30:00+02:00', None),
    ]


def test_offset_change_between_fire_times():
    assert _notes('0 12 * * *', 'America/New_York', utc(2024, 11, 2, 12),
                  2) == [
        ('2024-11-02T12:00:00-04:00', None),
        ('2024-11-03T12:00:00-05:00', 'UTC offset now -05:00 (was -04:00)'),
    ]


def test_half_hour_shift():
    # 2024-04-07: 02:00 +11:00 -> 01:30 +10:30; only 01:30-01:59 repeat.
    assert _notes('*/30 * * * *', 'Australia/Lord_Howe',
                  utc(2024, 4, 6, 14, 10), 4) == [
        ('2024-04-07T01:30:00+11:00',
         'clocks go back: the first 01:30:00 of the day'),
        ('2024-04-07T01:30:00+10:30',
         'clocks go back: the second 01:30:00 of the day; UTC offset now '
         '+10:30 (was +11:00)'),
        ('2024-04-07T02:00:00+10:30', None),
        ('2024-04-07T02:30:00+10:30', None),
    ]


def test_next_fires_stops_when_the_trigger_does():
    trigger = triggers.build_trigger('oneshot', '2030-01-01T00:00:00Z',
                                     'UTC')
    assert preview.next_fires(trigger, utc(2029, 1, 1), 5) == [
        utc(2030, 1, 1)]
    assert preview.preview(trigger, utc(2031, 1, 1), 5) == []


@pytest.mark.parametrize('count', [0, -1, preview.MAX_COUNT + 1])
def test_count_is_bounded(count):
    trigger = triggers.build_trigger('interval', '1s', 'UTC')
    with pytest.raises(ValueError):
        preview.next_fires(trigger, utc(2030, 1, 1), count)
