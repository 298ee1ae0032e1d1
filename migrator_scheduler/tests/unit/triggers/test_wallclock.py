"""Wall-clock to UTC resolution."""

import datetime

from migrator_scheduler.tests.unit.triggers.helpers import utc
from migrator_scheduler.triggers import wallclock
from migrator_scheduler.triggers import zones

BERLIN = zones.load_timezone('Europe/Berlin')


def test_plain_time():
    resolved = wallclock.resolve(datetime.datetime(2024, 6, 1, 12), BERLIN)
    assert resolved.first == resolved.second == utc(2024, 6, 1, 10)
    assert not resolved.repeated and resolved.gap_end is None


def test_repeated_time():
    resolved = wallclock.resolve(datetime.datetime(2024, 10, 27, 2, 30),
                                 BERLIN)
    assert resolved.first == utc(2024, 10, 27, 0, 30)
    assert resolved.second == utc(2024, 10, 27, 1, 30)
    assert resolved.repeated


def test_skipped_time():
    resolved = wallclock.resolve(datetime.datetime(2024, 3, 31, 2, 30),
                                 BERLIN)
    assert resolved.first is None and resolved.second is None
    assert resolved.gap_end == utc(2024, 3, 31, 1)


def test_transitions():
    found = list(wallclock.transitions(BERLIN, utc(2024, 1, 1),
                                       utc(2025, 1, 1)))
    hour = datetime.timedelta(hours=1)
    assert found == [(utc(2024, 3, 31, 1), hour, 2 * hour),
                     (utc(2024, 10, 27, 1), 2 * hour, hour)]


def test_transition_at_odd_second():
    # Liberia left its -00:44:30 offset in 1972.
    zone = zones.load_timezone('Africa/Monrovia')
    found = list(wallclock.transitions(zone, utc(1971, 12, 1),
                                       utc(1972, 2, 1)))
    assert len(found) == 1
    instant, before, after = found[0]
    assert instant.astimezone(zone).utcoffset() == after
    assert (instant - datetime.timedelta(seconds=1)).astimezone(
        zone).utcoffset() == before
