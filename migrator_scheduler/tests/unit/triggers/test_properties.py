"""Property tests of triggers and misfire planning."""

import datetime
import functools

from hypothesis import given
from hypothesis import strategies as st

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers import helpers
from migrator_scheduler.triggers import misfire

EPSILON = datetime.timedelta(microseconds=1)


examples = helpers.examples


def _field(low: int, high: int, top: int | None = None):
    value = st.integers(low, top or high)
    step = st.integers(1, high - low + 1)
    item = st.one_of(
        st.just('*'),
        value.map(str),
        st.tuples(value, value).map(lambda p: f'{min(p)}-{max(p)}'),
        st.tuples(value, value, step).map(
            lambda p: f'{min(p[:2])}-{max(p[:2])}/{p[2]}'),
        step.map(lambda s: f'*/{s}'),
        st.tuples(st.integers(low, high), step).map(
            lambda p: f'{p[0]}/{p[1]}'),
    )
    return st.lists(item, min_size=1, max_size=3).map(','.join)


def _often_star(field):
    return st.one_of(st.just('*'), st.just('*'), field)


# Hours in which DST changes happen, written without a leading '*' so
# that half the generated expressions are fixed-time jobs.
_DST_HOURS = st.sampled_from(['0', '1', '2', '3', '23', '1-3', '0,2', '2,3'])
_FIXED_MINUTES = st.one_of(
    st.lists(st.integers(0, 59), min_size=1, max_size=3).map(
        lambda values: ','.join(map(str, values))),
    st.tuples(st.integers(0, 59), st.integers(0, 59)).map(
        lambda p: f'{min(p)}-{max(p)}'))


def _expressions(seconds: bool):
    # Biased towards what DST changes affect: fixed-time jobs, hours
    # around 0-3, and days that match the day of the change.
    minutes = st.one_of(_field(0, 59), _FIXED_MINUTES)
    hours = st.one_of(_field(0, 23), _DST_HOURS)
    fields = [minutes, hours, _often_star(_field(1, 31)),
              _often_star(_field(1, 12)), _often_star(_field(0, 6, top=7))]
    if seconds:
        fields.append(_field(0, 59))
    return st.tuples(*fields).map(' '.join)


expressions = st.one_of(_expressions(False), _expressions(True))
zones = st.sampled_from(helpers.DST_ZONES + ('Asia/Shanghai', 'UTC'))
instants = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1),
    max_value=datetime.datetime(2060, 12, 31),
    timezones=st.just(datetime.timezone.utc))


@functools.cache
def _transitions(timezone: str, year: int) -> tuple:
    return tuple(helpers.transitions(timezone, year))


@st.composite
def near_transitions(draw, zone_names=zones, before=36, after=12):
    """A zone and an instant from ``before`` hours before one of its
    offset changes to ``after`` hours after it (or anywhere, for zones
    without any that year)."""
    timezone = draw(zone_names)
    year = draw(st.integers(1990, 2060))
    found = _transitions(timezone, year)
    if not found:
        return timezone, draw(instants)
    jump = draw(st.sampled_from(found))
    seconds = draw(st.integers(-before * 3600, after * 3600))
    micro = draw(st.sampled_from([0, 0, 1, 500000]))
    return timezone, jump + datetime.timedelta(seconds=seconds,
                                               microseconds=micro)


def _build(expression: str, timezone: str):
    try:
        return helpers.cron(expression, timezone)
    except exception.InvalidTrigger as error:
        # Only expressions like "0 0 31 2 *" may be refused.
        assert 'never fires' in error.message
        return None


@examples(100)
@given(expression=expressions, timezone=zones, after=instants)
def test_cron_next_fire_strictly_increases(expression, timezone, after):
    _check_increasing(expression, timezone, after)


@examples(100)
@given(expression=expressions, place=near_transitions())
def test_cron_next_fire_strictly_increases_near_dst(expression, place):
    _check_increasing(expression, place[0], place[1])


def _check_increasing(expression, timezone, after):
    trigger = _build(expression, timezone)
    if trigger is None:
        return
    previous = after
    for _ in range(20):
        fire = trigger.next_fire(previous)
        if fire is None:
            break
        assert fire > previous
        assert fire.tzinfo is datetime.timezone.utc
        previous = fire


@examples(60)
@given(expression=_expressions(False), place=near_transitions(
    st.sampled_from(helpers.DST_ZONES), before=10, after=0))
def test_cron_matches_brute_force_near_dst(expression, place):
    timezone, start = place
    trigger = _build(expression, timezone)
    if trigger is None:
        return
    end = start + datetime.timedelta(hours=12)
    assert helpers.fires_until(trigger, start, end) == helpers.brute_force(
        trigger, start, end)


@examples(100)
@given(expression=expressions, place=near_transitions(),
       hours=st.integers(0, 48))
def test_cron_count_matches_enumeration(expression, place, hours):
    timezone, start = place
    trigger = _build(expression, timezone)
    if trigger is None:
        return
    end = start + datetime.timedelta(hours=hours, minutes=7)
    enumerated = []
    fire = trigger.next_fire(start - EPSILON)
    while fire is not None and fire < end and len(enumerated) < 300:
        enumerated.append(fire)
        fire = trigger.next_fire(fire)
    if len(enumerated) == 300:
        end = enumerated[-1] + EPSILON
    assert trigger.count_fires(start, end) == len(enumerated)


periods = st.one_of(st.integers(1, 86400 * 366).map(str),
                    st.integers(1, 600).map(lambda n: f'{n}m'))


@examples(150)
@given(expression=periods, timezone=zones, after=instants,
       start=st.none() | instants)
def test_interval_next_fire_strictly_increases(expression, timezone,
                                               after, start):
    trigger = triggers.build_trigger('interval', expression, timezone,
                                     start_at=start)
    anchor = start or datetime.datetime(1970, 1, 1,
                                        tzinfo=datetime.timezone.utc)
    previous = after
    fires = []
    for _ in range(20):
        fire = trigger.next_fire(previous)
        assert fire is not None and fire > previous
        assert (fire - anchor) % trigger.period == datetime.timedelta(0)
        assert start is None or fire >= start
        fires.append(fire)
        previous = fire
    assert all(b - a == trigger.period for a, b in zip(fires, fires[1:]))
    assert fires[0] - max(after, anchor - EPSILON) <= trigger.period
    assert trigger.count_fires(fires[0], fires[-1]) == 19


def _reference_plan(trigger, first, now, policy, grace, max_fires):
    """plan_fires written the obvious way: enumerate every due time."""
    due = []
    time = first
    while time is not None and time <= now:
        due.append(time)
        time = trigger.next_fire(time)
    cutoff = now - datetime.timedelta(seconds=grace)
    late = [t for t in due if t < cutoff]
    on_time = [t for t in due if t >= cutoff]

    def capped(times):
        if len(times) > max_fires:
            return times[:max_fires], times[max_fires]
        return times, time

    if policy == 'fire_all':
        fires, next_at = capped(due)
        return misfire.FirePlan(fires, [], next_at,
                                sum(1 for t in fires if t < cutoff))
    if policy == 'fire_once' and late and not on_time:
        return misfire.FirePlan(late[-1:], late[:-1][-max_fires:], time,
                                len(late))
    fires, next_at = capped(on_time)
    return misfire.FirePlan(fires, late[-max_fires:], next_at, len(late))


schedules = st.one_of(
    st.tuples(st.just('cron'), _expressions(False)),
    st.tuples(st.just('interval'), st.integers(1, 7200).map(str)))


@examples(100)
@given(schedule=schedules, place=near_transitions(),
       late_by=st.integers(0, 86400), grace=st.integers(0, 7200),
       max_fires=st.integers(1, 12),
       policy=st.sampled_from(misfire.MISFIRE_POLICIES))
def test_plan_matches_reference(schedule, place, late_by, grace, max_fires,
                                policy):
    kind, expression = schedule
    timezone, after = place
    try:
        trigger = triggers.build_trigger(kind, expression, timezone)
    except exception.InvalidTrigger:
        return
    first = trigger.next_fire(after)
    if first is None or trigger.count_fires(
            first, first + datetime.timedelta(seconds=late_by)) > 500:
        return
    now = first + datetime.timedelta(seconds=late_by)
    assert misfire.plan_fires(
        trigger, first, now, policy, grace, max_fires) == _reference_plan(
            trigger, first, now, policy, grace, max_fires)
