"""Deterministic jitter."""

import datetime
import subprocess
import sys

import pytest

from migrator_scheduler import exception
from migrator_scheduler.tests.unit.triggers.helpers import utc
from migrator_scheduler.triggers import jitter

WHEN = utc(2024, 5, 1, 12)


def test_deterministic():
    assert jitter.jitter_offset('rule-1', WHEN, 30) == jitter.jitter_offset(
        'rule-1', WHEN, 30)


def test_same_across_processes():
    # Python's hash() is salted per process; the offset must not be.
    code = ('import datetime; from migrator_scheduler.triggers import '
            'jitter; print(repr(jitter.jitter_offset("rule-1", '
            'datetime.datetime(2024, 5, 1, 12, '
            'tzinfo=datetime.timezone.utc), 30)))')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True).stdout
    assert float(out) == jitter.jitter_offset('rule-1', WHEN, 30)


def test_same_instant_in_another_zone():
    other = WHEN.astimezone(datetime.timezone(datetime.timedelta(hours=5)))
    assert jitter.jitter_offset('r', other, 30) == jitter.jitter_offset(
        'r', WHEN, 30)


def test_zero_max():
    assert jitter.jitter_offset('r', WHEN, 0) == 0.0


def test_range_and_spread():
    offsets = [jitter.jitter_offset(f'rule-{i}', WHEN, 10)
               for i in range(2000)]
    assert all(0 <= o < 10 for o in offsets)
    # Roughly uniform: each tenth of the range gets its share.
    buckets = [0] * 10
    for offset in offsets:
        buckets[int(offset)] += 1
    assert min(buckets) > 120 and max(buckets) < 280


def test_depends_on_rule_and_time():
    a = jitter.jitter_offset('rule-1', WHEN, 1000)
    assert a != jitter.jitter_offset('rule-2', WHEN, 1000)
    assert a != jitter.jitter_offset(
        'rule-1', WHEN + datetime.timedelta(minutes=1), 1000)


def test_tiny_max_stays_below_bound():
    for i in range(200):
        assert jitter.jitter_offset(f'r{i}', WHEN, 5e-324) < 5e-324 or (
            jitter.jitter_offset(f'r{i}', WHEN, 5e-324) == 0.0)


@pytest.mark.parametrize('bad', [-1, float('nan'), float('inf'), '5',
                                 True])
def test_invalid_max(bad):
    with pytest.raises(exception.InvalidInput) as error:
        jitter.jitter_offset('r', WHEN, bad)
    assert error.value.field == 'max_jitter_seconds'


def test_naive_time_rejected():
    with pytest.raises(ValueError):
        jitter.jitter_offset('r', datetime.datetime(2024, 1, 1), 5)
