"""Shared helpers for the trigger tests."""

import datetime

from hypothesis import HealthCheck
from hypothesis import settings

from migrator_scheduler import triggers
from migrator_scheduler.triggers import zones

UTC = datetime.timezone.utc
EPSILON = datetime.timedelta(microseconds=1)
MINUTE = datetime.timedelta(minutes=1)

# Zones with frequent, unusual or large offset changes.
DST_ZONES = (
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',      # southern hemisphere, changes at midnight
    'Australia/Lord_Howe',   # 30-minute DST shift
    'Australia/Sydney',
    'Pacific/Chatham',       # +12:45 / +13:45
    'America/Havana',        # changes at midnight
    'Europe/Dublin',         # negative DST in the tz database
    'Asia/Tehran',
    'Africa/Casablanca',     # DST suspended each Ramadan
    'Pacific/Apia',          # skipped 2011-12-30 entirely
)


def examples(count: int) -> settings:
    """Hypothesis settings for a property test of ``count`` examples."""
    # No example database: tests must not write into the source tree. No
    # deadline: the machines running the tests are shared and noisy.
    return settings(max_examples=count, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def cron(expression: str, timezone: str = 'UTC', **kwargs):
    return triggers.build_trigger('cron', expression, timezone, **kwargs)


def fires(trigger, after: datetime.datetime,
          count: int) -> list[datetime.datetime]:
    """The next ``count`` fire times after ``after``."""
    result = []
    for _ in range(count):
        after = trigger.next_fire(after)
        if after is None:
            break
        result.append(after)
    return result


def fires_until(trigger, after: datetime.datetime,
                end: datetime.datetime,
                limit: int = 100000) -> list[datetime.datetime]:
    """Every fire time in (after, end]."""
    result = []
    while len(result) < limit:
        after = trigger.next_fire(after)
        if after is None or after > end:
            break
        result.append(after)
    return result


def transitions(timezone: str, year: int) -> list[datetime.datetime]:
    """Offset changes of a zone in a year, found by brute force to the
    second (independently of the code under test)."""
    zone = zones.load_timezone(timezone)
    found = []
    day = utc(year, 1, 1)
    while day.year == year:
        nxt = day + datetime.timedelta(hours=6)
        if day.astimezone(zone).utcoffset() != nxt.astimezone(
                zone).utcoffset():
            low, high = day, nxt
            while high - low > datetime.timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(zone).utcoffset() == nxt.astimezone(
                        zone).utcoffset():
                    high = mid
                else:
                    low = mid
            found.append(high)
        day = nxt
    return found


def wall_matches(spec, wall: datetime.datetime) -> bool:
    if (wall.minute not in spec.minutes or wall.hour not in spec.hours
            or wall.month not in spec.months):
        return False
    dom = wall.day in spec.days
    dow = wall.isoweekday() % 7 in spec.weekdays
    if spec.dom_restricted and spec.dow_restricted:
        return dom or dow
    return dom and dow


def debian_fixed_time(expression: str) -> bool:
    """Debian cron's reading of a job, from the expression's text alone:
    a job whose minute or hour field starts with '*' is a wildcard job,
    any other a fixed-time job (only @hourly among the macros is a
    wildcard job)."""
    text = expression.strip()
    if text.startswith('@'):
        return text.lower() != '@hourly'
    minute, hour = text.split()[:2]
    return not (minute.startswith('*') or hour.startswith('*'))


def brute_force(trigger, start, end):
    """Fire times in (start, end] of a 5-field cron trigger, by looking at
    every UTC minute and applying the DST rules literally."""
    spec, zone = trigger.spec, trigger.zone
    fixed_time = debian_fixed_time(trigger.expression)
    found = []
    instant = start.replace(second=0, microsecond=0) + MINUTE
    while instant <= end:
        local = instant.astimezone(zone)
        wall = local.replace(tzinfo=None, fold=0)
        offset = local.utcoffset()
        second_pass = local.fold == 1 and local.replace(
            fold=0).utcoffset() != offset
        if wall_matches(spec, wall):
            if not (fixed_time and second_pass):
                found.append(instant)
        elif fixed_time:
            before = (instant - EPSILON).astimezone(zone).utcoffset()
            gap = offset - before
            # Clocks just jumped forward: fire once if the gap held a
            # match.
            if gap > datetime.timedelta(0) and any(
                    wall_matches(spec, wall - gap + i * MINUTE)
                    for i in range(gap // MINUTE)):
                found.append(instant)
        instant += MINUTE
    return found
