"""Spreading: start times of runs, and the warning on a too-long window."""

import collections
import datetime
import subprocess
import sys

import pytest

from migrator_scheduler import triggers
from migrator_scheduler.triggers import advice
from migrator_scheduler.triggers import spread

UTC = datetime.timezone.utc
NOMINAL = datetime.datetime(2030, 1, 1, 18, 0, tzinfo=UTC)
SECOND = datetime.timedelta(seconds=1)
WINDOW = spread.Spread(window=1800)


def test_no_spread_starts_at_the_fire_time():
    assert spread.offset('r', NOMINAL, spread.Spread()) == (
        datetime.timedelta(0))
    assert spread.start_after('r', NOMINAL, spread.Spread()) is None
    assert spread.start_time('r', NOMINAL, spread.Spread()) == NOMINAL


def test_offsets_are_deterministic_across_processes():
    expected = spread.offset('rule-1', NOMINAL, spread.Spread(1800, 30))
    out = subprocess.check_output([
        sys.executable, '-c',
        'import datetime; from migrator_scheduler.triggers import spread; '
        'print(spread.offset("rule-1", datetime.datetime(2030, 1, 1, 18, '
        'tzinfo=datetime.timezone.utc), spread.Spread(1800, 30)) '
        '// datetime.timedelta(microseconds=1))'], text=True)
    assert int(out) == expected // datetime.timedelta(microseconds=1)


def test_the_instant_decides_not_its_zone():
    shanghai = NOMINAL.astimezone(triggers.build_trigger(
        'cron', '0 2 * * *', 'Asia/Shanghai').zone)
    both = spread.Spread(600, 60)
    assert spread.offset('r', shanghai, both) == spread.offset(
        'r', NOMINAL, both)


@pytest.mark.parametrize('window, jitter', [(1, 0), (0, 1), (10, 3),
                                            (86400, 3600)])
def test_offsets_are_within_bounds(window, jitter):
    both = spread.Spread(window, jitter)
    for i in range(2000):
        offset = spread.offset(f'rule-{i}', NOMINAL + i * SECOND, both)
        assert datetime.timedelta(0) <= offset < both.longest


def test_a_burst_is_spread_evenly_over_the_window():
    # 5,000 rules at one fire time, over 30 minutes: 30 one-minute slots.
    slots = collections.Counter(
        spread.offset(f'rule-{i:05d}', NOMINAL, WINDOW) //
        datetime.timedelta(minutes=1) for i in range(5000))
    assert sorted(slots) == list(range(30))
    mean = 5000 / 30
    assert all(0.7 * mean <= n <= 1.3 * mean for n in slots.values()), slots


def test_the_window_place_is_the_same_for_every_fire_time():
    offsets = {spread.offset('r', NOMINAL + k * datetime.timedelta(days=1),
                             WINDOW) for k in range(10)}
    assert len(offsets) == 1


def test_jitter_varies_with_the_fire_time():
    jitter = spread.Spread(jitter=600)
    offsets = {spread.offset('r', NOMINAL + k * datetime.timedelta(days=1),
                             jitter) for k in range(10)}
    assert len(offsets) == 10


def test_rules_get_different_places():
    assert len({spread.window_fraction(f'r{i}') for i in range(100)}) == 100


def test_a_catch_up_run_is_spread_from_when_it_fired():
    fired = NOMINAL + datetime.timedelta(hours=3)
    offset = spread.offset('r', NOMINAL, WINDOW)
    assert spread.start_time('r', NOMINAL, WINDOW, fired) == fired + offset
    # Never before the nominal time's own start.
    assert spread.start_time('r', NOMINAL, WINDOW, NOMINAL - SECOND) == (
        NOMINAL + offset)


def test_naive_times_are_refused():
    with pytest.raises(Exception) as error:
        spread.start_time('r', NOMINAL.replace(tzinfo=None), WINDOW)
    assert 'nominal' in str(error.value)


def _trigger(kind, expression, timezone='UTC'):
    return triggers.build_trigger(kind, expression, timezone)


@pytest.mark.parametrize('kind, expression, window, jitter, warns', [
    ('interval', '600', 599, 0, False),
    ('interval', '600', 600, 0, True),
    ('interval', '600', 590, 10, True),
    ('cron', '0 2 * * *', 3600, 0, False),
    ('cron', '0 2 * * *', 86400, 0, True),
    # Twice a day, at uneven times: the shorter gap (2 h) decides.
    ('cron', '0 1,3 * * *', 7199, 0, False),
    ('cron', '0 1,3 * * *', 7200, 0, True),
    ('oneshot', '2031-01-01T00:00:00Z', 86400, 3600, False),
    ('interval', '60', 0, 0, False),
])
def test_warning_when_a_run_may_start_after_the_next_fire(
        kind, expression, window, jitter, warns):
    warning = advice.spread_overlap(_trigger(kind, expression),
                                    spread.Spread(window, jitter), NOMINAL)
    assert (warning is not None) == warns, warning
    if warns:
        assert 'a run may start after the next fire time' in warning


def test_the_shortest_gap_sees_a_dst_change():
    # 02:30 Berlin on the night clocks go forward fires at 03:00 (the
    # skipped time moves to the jump), 23.5 hours after the day before.
    trigger = _trigger('cron', '30 2 * * *', 'Europe/Berlin')
    gap = advice.shortest_gap(trigger, datetime.datetime(
        2030, 3, 1, tzinfo=UTC))
    assert gap < datetime.timedelta(hours=24)
