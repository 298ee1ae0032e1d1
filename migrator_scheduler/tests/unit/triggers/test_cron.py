"""Cron triggers: fire times, bounds and DST behaviour."""

import datetime
import threading

import croniter
import pytest

from migrator_scheduler import exception
from migrator_scheduler.tests.unit.triggers.helpers import cron
from migrator_scheduler.tests.unit.triggers.helpers import fires
from migrator_scheduler.tests.unit.triggers.helpers import fires_until
from migrator_scheduler.tests.unit.triggers.helpers import utc
from migrator_scheduler.triggers import zones

BERLIN = zones.load_timezone('Europe/Berlin')


class TestBasics:

    def test_result_is_strictly_after_and_utc(self):
        trigger = cron('*/5 * * * *')
        fire = trigger.next_fire(utc(2024, 1, 1, 0, 5))
        assert fire == utc(2024, 1, 1, 0, 10)
        assert fire.tzinfo is datetime.timezone.utc

    def test_after_may_be_in_any_zone(self):
        after = datetime.datetime(2024, 1, 1, 1, 5, tzinfo=BERLIN)
        assert cron('*/5 * * * *').next_fire(after) == utc(2024, 1, 1,
                                                            0, 10)

    def test_fractional_after(self):
        after = utc(2024, 1, 1, 0, 4, 59, 999999)
        assert cron('*/5 * * * *').next_fire(after) == utc(2024, 1, 1,
                                                            0, 5)

    def test_naive_after_is_a_programming_error(self):
        with pytest.raises(ValueError, match='timezone-aware'):
            cron('* * * * *').next_fire(datetime.datetime(2024, 1, 1))

    def test_wall_clock_in_the_rule_zone(self):
        trigger = cron('0 9 * * mon-fri', 'Asia/Tokyo')
        assert fires(trigger, utc(2024, 1, 5, 12), 2) == [
            utc(2024, 1, 8, 0), utc(2024, 1, 9, 0)]

    def test_attributes(self):
        trigger = cron('@daily', 'Europe/Berlin')
        assert (trigger.kind, trigger.expression, trigger.timezone) == (
            'cron', '@daily', 'Europe/Berlin')

    def test_seconds_field(self):
        trigger = cron('0 12 * * * 15,45')
        assert fires(trigger, utc(2024, 1, 1), 3) == [
            utc(2024, 1, 1, 12, 0, 15), utc(2024, 1, 1, 12, 0, 45),
            utc(2024, 1, 2, 12, 0, 15)]

    def test_every_second(self):
        trigger = cron('* * * * * *')
        assert trigger.next_fire(utc(2024, 1, 1, 0, 0, 0, 500)) == utc(
            2024, 1, 1, 0, 0, 1)

    def test_leap_day(self):
        assert fires(cron('0 0 29 2 *'), utc(2024, 3, 1), 2) == [
            utc(2028, 2, 29), utc(2032, 2, 29)]

    def test_year_end(self):
        assert cron('59 23 31 12 *').next_fire(utc(2024, 6, 1)) == utc(
            2024, 12, 31, 23, 59)

    def test_equal_and_hash(self):
        assert cron('* * * * *', 'UTC') == cron('* * * * *', 'UTC')
        assert len({cron('@daily'), cron('@daily'), cron('@hourly')}) == 2
        assert 'CronTrigger' in repr(cron('@daily'))

    def test_shared_between_threads(self):
        trigger = cron('*/7 * * * * */13')
        expected = fires(trigger, utc(2024, 1, 1), 200)
        results = []

        def work():
            results.append(fires(trigger, utc(2024, 1, 1), 200))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [expected] * 4


class TestStepSemantics:
    """Classic cron: a step restarts at each enclosing unit. Pinned here
    through the trigger so a croniter upgrade cannot change them."""

    def test_star_step_restarts_every_hour(self):
        times = fires(cron('*/7 * * * *'), utc(2024, 1, 1, 0, 50), 4)
        assert [t.minute for t in times] == [56, 0, 7, 14]

    def test_range_with_step(self):
        times = fires(cron('5-59/20 * * * *'), utc(2024, 1, 1), 4)
        assert [t.minute for t in times] == [5, 25, 45, 5]

    def test_start_with_step(self):
        times = fires(cron('0/30 * * * *'), utc(2024, 1, 1, 0, 1), 3)
        assert [t.minute for t in times] == [30, 0, 30]

    def test_equal_range_is_one_value(self):
        times = fires(cron('5-5 * * * *'), utc(2024, 1, 1), 2)
        assert times == [utc(2024, 1, 1, 0, 5), utc(2024, 1, 1, 1, 5)]

    def test_equal_range_with_step_is_one_value(self):
        times = fires(cron('1-1/3 * * * *'), utc(2024, 1, 1), 2)
        assert times == [utc(2024, 1, 1, 0, 1), utc(2024, 1, 1, 1, 1)]

    def test_hour_step_restarts_every_day(self):
        times = fires(cron('0 */5 * * *'), utc(2024, 1, 1, 19), 3)
        assert [t.hour for t in times] == [20, 0, 5]

    def test_step_not_anchored_to_after(self):
        # croniter's expand_from_start_time would give :17, :24, ...
        times = fires(cron('*/7 * * * *'), utc(2024, 1, 1, 0, 10), 2)
        assert [t.minute for t in times] == [14, 21]


class TestDayOfMonthAndWeek:

    def test_both_restricted_means_either(self):
        # The 13th, and every Friday.
        times = fires(cron('0 0 13 * 5'), utc(2024, 1, 1), 4)
        assert times == [utc(2024, 1, 5), utc(2024, 1, 12),
                         utc(2024, 1, 13), utc(2024, 1, 19)]

    def test_stepped_day_of_month_is_restricted(self):
        # Unlike Vixie cron's '*'-prefix quirk, '*/2' counts as restricted:
        # odd days, and every Monday.
        times = fires(cron('0 0 */2 * 1'), utc(2024, 1, 1), 5)
        assert [t.day for t in times] == [3, 5, 7, 8, 9]

    def test_only_day_of_week_restricted(self):
        times = fires(cron('0 0 * * 0'), utc(2024, 1, 1), 2)
        assert times == [utc(2024, 1, 7), utc(2024, 1, 14)]

    def test_only_day_of_month_restricted(self):
        times = fires(cron('0 0 31 * *'), utc(2024, 1, 1), 3)
        assert times == [utc(2024, 1, 31), utc(2024, 3, 31),
                         utc(2024, 5, 31)]

    def test_seven_is_sunday(self):
        assert cron('0 0 * * 7').next_fire(utc(2024, 1, 1)) == utc(
            2024, 1, 7)


class TestBounds:

    def test_start_at_is_inclusive(self):
        trigger = cron('0 * * * *', start_at=utc(2024, 1, 1, 5))
        assert trigger.next_fire(utc(2000, 1, 1)) == utc(2024, 1, 1, 5)

    def test_start_at_between_fires(self):
        trigger = cron('0 * * * *', start_at=utc(2024, 1, 1, 5, 0, 0, 1))
        assert trigger.next_fire(utc(2024, 1, 1)) == utc(2024, 1, 1, 6)

    def test_end_at_is_inclusive(self):
        trigger = cron('0 * * * *', end_at=utc(2024, 1, 1, 5))
        assert trigger.next_fire(utc(2024, 1, 1, 4)) == utc(2024, 1, 1, 5)
        assert trigger.next_fire(utc(2024, 1, 1, 5)) is None
        assert trigger.next_fire(utc(2030, 1, 1)) is None

    def test_end_at_stops_search_of_rare_schedule(self):
        trigger = cron('0 0 29 2 *', end_at=utc(2025, 1, 1))
        assert trigger.next_fire(utc(2024, 3, 1)) is None

    def test_near_the_end_of_time(self):
        assert cron('* * * * *').next_fire(
            datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
        ) is None
        assert cron('0 0 1 1 *').next_fire(utc(9999, 6, 1)) is None


class TestFallBack:
    """A wall-clock hour happens twice."""

    def test_croniter_alone_fires_twice(self):
        # The behaviour this module corrects.
        start = datetime.datetime(2024, 10, 26, 12, tzinfo=BERLIN)
        it = croniter.croniter('30 2 * * *', start)
        assert [it.get_next(datetime.datetime).astimezone(
            datetime.timezone.utc) for _ in range(2)] == [
                utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)]

    def test_fixed_time_fires_once_at_first_occurrence(self):
        # Europe/Berlin 2024-10-27: 03:00 CEST -> 02:00 CET at 01:00 UTC.
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 10, 26, 12), 3) == [
            utc(2024, 10, 27, 0, 30),     # 02:30 CEST
            utc(2024, 10, 28, 1, 30),     # 02:30 CET, next day
            utc(2024, 10, 29, 1, 30)]

    def test_fixed_time_asked_during_second_pass(self):
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        # 02:10 CET, the second 02:10 of the night.
        assert trigger.next_fire(utc(2024, 10, 27, 1, 10)) == utc(
            2024, 10, 28, 1, 30)

    def test_fixed_time_list_and_range(self):
        trigger = cron('0,30 1-3 * * *', 'Europe/Berlin')
        assert fires_until(trigger, utc(2024, 10, 26, 22),
                           utc(2024, 10, 27, 3)) == [
            utc(2024, 10, 26, 23, 0),     # 01:00 CEST
            utc(2024, 10, 26, 23, 30),
            utc(2024, 10, 27, 0, 0),      # 02:00 CEST
            utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 27, 2, 0),      # 03:00 CET
            utc(2024, 10, 27, 2, 30)]

    def test_wildcard_fires_in_both_passes(self):
        trigger = cron('*/15 * * * *', 'Europe/Berlin')
        assert fires_until(trigger, utc(2024, 10, 26, 23, 50),
                           utc(2024, 10, 27, 2)) == [
            utc(2024, 10, 27, 0, 0),      # 02:00 CEST
            utc(2024, 10, 27, 0, 15),
            utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 27, 0, 45),
            utc(2024, 10, 27, 1, 0),      # 02:00 CET
            utc(2024, 10, 27, 1, 15),
            utc(2024, 10, 27, 1, 30),
            utc(2024, 10, 27, 1, 45),
            utc(2024, 10, 27, 2, 0)]      # 03:00 CET

    def test_hourly_fires_in_both_passes(self):
        trigger = cron('0 * * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 10, 26, 23, 30), 3) == [
            utc(2024, 10, 27, 0), utc(2024, 10, 27, 1),
            utc(2024, 10, 27, 2)]

    @pytest.mark.parametrize('after, expected', [
        # During the first pass, the second pass is still to come.
        (utc(2024, 10, 27, 0, 50), utc(2024, 10, 27, 0, 55)),
        (utc(2024, 10, 27, 0, 59), utc(2024, 10, 27, 1, 0)),
        (utc(2024, 10, 27, 0, 59, 30), utc(2024, 10, 27, 1, 0)),
        (utc(2024, 10, 27, 1, 0), utc(2024, 10, 27, 1, 5)),
        (utc(2024, 10, 27, 1, 58), utc(2024, 10, 27, 2, 0)),
    ])
    def test_wildcard_around_the_jump(self, after, expected):
        trigger = cron('*/5 * * * *', 'Europe/Berlin')
        assert trigger.next_fire(after) == expected

    def test_minute_wildcard_with_fixed_hour(self):
        trigger = cron('*/30 2 * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 10, 26, 12), 5) == [
            utc(2024, 10, 27, 0, 0), utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 27, 1, 0), utc(2024, 10, 27, 1, 30),
            utc(2024, 10, 28, 1, 0)]

    def test_stepped_range_is_fixed_time(self):
        # Same hours, but only a field starting with '*' follows elapsed
        # time (Debian cron).
        fixed = cron('30 0-23/2 * * *', 'Europe/Berlin')
        wildcard = cron('30 */2 * * *', 'Europe/Berlin')
        start, end = utc(2024, 10, 26, 23), utc(2024, 10, 27, 2)
        assert fires_until(fixed, start, end) == [
            utc(2024, 10, 27, 0, 30)]     # 02:30 CEST only
        assert fires_until(wildcard, start, end) == [
            utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)]

    def test_new_york(self):
        # 2024-11-03: 02:00 EDT -> 01:00 EST at 06:00 UTC.
        trigger = cron('30 1 * * *', 'America/New_York')
        assert fires(trigger, utc(2024, 11, 2, 12), 2) == [
            utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)]

    def test_lord_howe_half_hour_shift(self):
        # 2024-04-07: 02:00 (+11) -> 01:30 (+10:30) at 15:00 UTC on the 6th.
        trigger = cron('45 1 * * *', 'Australia/Lord_Howe')
        assert fires(trigger, utc(2024, 4, 6), 2) == [
            utc(2024, 4, 6, 14, 45), utc(2024, 4, 7, 15, 15)]
        wildcard = cron('*/15 * * * *', 'Australia/Lord_Howe')
        assert fires(wildcard, utc(2024, 4, 6, 14, 20), 6) == [
            utc(2024, 4, 6, 14, 30),      # 01:30 +11
            utc(2024, 4, 6, 14, 45),      # 01:45 +11
            utc(2024, 4, 6, 15, 0),       # 01:30 +10:30
            utc(2024, 4, 6, 15, 15),      # 01:45 +10:30
            utc(2024, 4, 6, 15, 30),      # 02:00 +10:30
            utc(2024, 4, 6, 15, 45)]

    def test_santiago_southern_hemisphere_at_midnight(self):
        # 2024-04-07 00:00 (-03) -> 2024-04-06 23:00 (-04) at 03:00 UTC.
        trigger = cron('30 23 * * *', 'America/Santiago')
        assert fires(trigger, utc(2024, 4, 6), 3) == [
            utc(2024, 4, 6, 2, 30),       # Apr 5 23:30 -03
            utc(2024, 4, 7, 2, 30),       # Apr 6 23:30 -03, first pass
            utc(2024, 4, 8, 3, 30)]       # Apr 7 23:30 -04

    def test_sydney(self):
        # 2024-04-07: 03:00 AEDT -> 02:00 AEST at 16:00 UTC on the 6th.
        trigger = cron('30 2 * * *', 'Australia/Sydney')
        assert fires(trigger, utc(2024, 4, 6), 2) == [
            utc(2024, 4, 6, 15, 30), utc(2024, 4, 7, 16, 30)]


class TestSpringForward:
    """A wall-clock hour is skipped."""

    def test_croniter_alone(self):
        start = datetime.datetime(2024, 3, 30, 12, tzinfo=BERLIN)
        it = croniter.croniter('30 2 * * *', start)
        assert it.get_next(datetime.datetime).astimezone(
            datetime.timezone.utc) == utc(2024, 3, 31, 1, 0)

    def test_fixed_time_in_gap_fires_once_after_it(self):
        # Europe/Berlin 2024-03-31: 02:00 CET -> 03:00 CEST at 01:00 UTC.
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 3, 30, 12), 3) == [
            utc(2024, 3, 31, 1, 0),       # 03:00 CEST
            utc(2024, 4, 1, 0, 30),       # 02:30 CEST
            utc(2024, 4, 2, 0, 30)]

    def test_fixed_times_in_gap_collapse_into_one(self):
        trigger = cron('0,15,30,45 2 * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 3, 30, 12), 2) == [
            utc(2024, 3, 31, 1, 0), utc(2024, 4, 1, 0, 0)]

    def test_fixed_time_in_gap_and_at_its_end_fire_once(self):
        trigger = cron('30 2,3 * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 3, 30, 23), 2) == [
            utc(2024, 3, 31, 1, 0), utc(2024, 3, 31, 1, 30)]

    def test_fixed_seconds_in_gap_collapse_into_one(self):
        trigger = cron('30 2 * * * */20', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 3, 30, 12), 2) == [
            utc(2024, 3, 31, 1, 0), utc(2024, 4, 1, 0, 30)]

    def test_not_fired_again_when_asked_at_the_jump(self):
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        assert trigger.next_fire(utc(2024, 3, 31, 1)) == utc(
            2024, 4, 1, 0, 30)

    def test_stepped_range_fires_for_gap(self):
        # Europe/Berlin 2024-03-31: 02:00 CET -> 03:00 CEST at 01:00 UTC.
        fixed = cron('30 0-23/2 * * *', 'Europe/Berlin')
        wildcard = cron('30 */2 * * *', 'Europe/Berlin')
        start, end = utc(2024, 3, 30, 23), utc(2024, 3, 31, 3)
        assert fires_until(fixed, start, end) == [
            utc(2024, 3, 30, 23, 30),     # 00:30 CET
            utc(2024, 3, 31, 1, 0),       # 03:00 CEST, for 02:30
            utc(2024, 3, 31, 2, 30)]      # 04:30 CEST
        assert fires_until(wildcard, start, end) == [
            utc(2024, 3, 30, 23, 30), utc(2024, 3, 31, 2, 30)]

    def test_wildcard_hour_has_no_fire_in_gap(self):
        trigger = cron('0 * * * *', 'Europe/Berlin')
        assert fires(trigger, utc(2024, 3, 30, 23, 30), 3) == [
            utc(2024, 3, 31, 0, 0),       # 01:00 CET
            utc(2024, 3, 31, 1, 0),       # 03:00 CEST; no 02:00
            utc(2024, 3, 31, 2, 0)]

    def test_wildcard_minute_with_hour_in_gap(self):
        trigger = cron('*/10 2 * * *', 'Europe/Berlin')
        assert trigger.next_fire(utc(2024, 3, 30, 12)) == utc(
            2024, 4, 1, 0, 0)

    def test_new_york(self):
        # 2024-03-10: 02:00 EST -> 03:00 EDT at 07:00 UTC.
        trigger = cron('30 2 * * *', 'America/New_York')
        assert fires(trigger, utc(2024, 3, 9, 12), 2) == [
            utc(2024, 3, 10, 7, 0), utc(2024, 3, 11, 6, 30)]

    def test_lord_howe_half_hour_gap(self):
        # 2024-10-06: 02:00 (+10:30) -> 02:30 (+11) at 15:30 UTC on the 5th.
        trigger = cron('15 2 * * *', 'Australia/Lord_Howe')
        assert fires(trigger, utc(2024, 10, 5), 2) == [
            utc(2024, 10, 5, 15, 30), utc(2024, 10, 6, 15, 15)]
        wildcard = cron('*/15 * * * *', 'Australia/Lord_Howe')
        assert fires(wildcard, utc(2024, 10, 5, 15), 3) == [
            utc(2024, 10, 5, 15, 15),     # 01:45 +10:30
            utc(2024, 10, 5, 15, 30),     # 02:30 +11
            utc(2024, 10, 5, 15, 45)]

    def test_santiago_midnight_gap(self):
        # 2024-09-08: 00:00 (-04) -> 01:00 (-03) at 04:00 UTC.
        daily = cron('@daily', 'America/Santiago')
        assert fires(daily, utc(2024, 9, 7, 12), 2) == [
            utc(2024, 9, 8, 4), utc(2024, 9, 9, 3)]
        hourly = cron('0 * * * *', 'America/Santiago')
        assert fires(hourly, utc(2024, 9, 8, 2, 30), 3) == [
            utc(2024, 9, 8, 3), utc(2024, 9, 8, 4), utc(2024, 9, 8, 5)]

    def test_sydney(self):
        # 2024-10-06: 02:00 AEST -> 03:00 AEDT at 16:00 UTC on the 5th.
        trigger = cron('30 2 * * *', 'Australia/Sydney')
        assert fires(trigger, utc(2024, 10, 5), 2) == [
            utc(2024, 10, 5, 16), utc(2024, 10, 6, 15, 30)]

    def test_apia_skipped_day(self):
        # Samoa skipped 2011-12-30: 23:59:59 on the 29th (-10) was
        # followed by 00:00 on the 31st (+14), at 10:00 UTC.
        trigger = cron('0 12 * * *', 'Pacific/Apia')
        assert fires(trigger, utc(2011, 12, 29), 3) == [
            utc(2011, 12, 29, 22),        # noon on the 29th, -10
            utc(2011, 12, 30, 10),        # the 30th: when the day ends
            utc(2011, 12, 30, 22)]        # noon on the 31st, +14


def test_no_dst_zone():
    trigger = cron('30 2 * * *', 'Asia/Shanghai')
    times = fires(trigger, utc(2024, 3, 1), 300)
    assert all(b - a == datetime.timedelta(days=1)
               for a, b in zip(times, times[1:]))
    assert times[0] == utc(2024, 3, 1, 18, 30)


def test_utc_zone_fires_every_wall_time():
    times = fires(cron('30 2 * * *', 'UTC'), utc(2024, 10, 26), 3)
    assert times == [utc(2024, 10, 26, 2, 30), utc(2024, 10, 27, 2, 30),
                     utc(2024, 10, 28, 2, 30)]


def test_never_fires_is_rejected_at_build():
    with pytest.raises(exception.InvalidTrigger) as error:
        cron('0 0 30 2 *')
    assert error.value.field == 'trigger.expression'
    assert 'never fires' in error.value.message


class TestCountFires:

    def test_plain(self):
        trigger = cron('*/15 * * * *')
        assert trigger.count_fires(utc(2024, 1, 1), utc(2024, 1, 2)) == 96
        assert trigger.count_fires(utc(2024, 1, 1, 0, 0, 1),
                                   utc(2024, 1, 1, 1)) == 3
        assert trigger.count_fires(utc(2024, 1, 2), utc(2024, 1, 1)) == 0

    def test_across_a_year_of_seconds(self):
        trigger = cron('* * * * * *', 'Europe/Berlin')
        assert trigger.count_fires(utc(2023, 1, 1), utc(2024, 1, 1)) == (
            365 * 86400)

    def test_fixed_time_across_dst(self):
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        assert trigger.count_fires(utc(2024, 3, 30), utc(2024, 4, 2)) == 3
        assert trigger.count_fires(utc(2024, 10, 26),
                                   utc(2024, 10, 29)) == 3

    def test_wildcard_across_dst(self):
        trigger = cron('0 * * * *', 'Europe/Berlin')
        # 23 wall-clock hours on the short day, 25 on the long one: one
        # fire per elapsed hour either way.
        assert trigger.count_fires(utc(2024, 3, 30, 23),
                                   utc(2024, 3, 31, 22)) == 23
        assert trigger.count_fires(utc(2024, 10, 26, 22),
                                   utc(2024, 10, 27, 23)) == 25

    def test_starting_in_second_pass(self):
        trigger = cron('*/30 2 * * *', 'Europe/Berlin')
        assert trigger.count_fires(utc(2024, 10, 27, 1, 10),
                                   utc(2024, 10, 28)) == 1
        fixed = cron('30 2 * * *', 'Europe/Berlin')
        assert fixed.count_fires(utc(2024, 10, 27, 1, 10),
                                 utc(2024, 10, 27, 1, 40)) == 0

    def test_bounds(self):
        trigger = cron('0 * * * *', start_at=utc(2024, 1, 1, 5),
                       end_at=utc(2024, 1, 1, 8))
        assert trigger.count_fires(utc(2024, 1, 1), utc(2024, 1, 2)) == 4
