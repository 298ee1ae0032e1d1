"""Misfire planning."""

import datetime
import time

import pytest

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers.helpers import cron
from migrator_scheduler.tests.unit.triggers.helpers import utc
from migrator_scheduler.triggers import misfire

NOW = utc(2024, 5, 1, 12)
MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)
EVERY_MINUTE = triggers.build_trigger('interval', '1m', 'UTC')


def plan(trigger=EVERY_MINUTE, next_fire_at=NOW, now=NOW, policy='skip',
         grace=30, max_fires=10):
    return misfire.plan_fires(trigger, next_fire_at, now, policy, grace,
                              max_fires)


class TestValidation:

    @pytest.mark.parametrize('policy', ['run_all', '', None, 'SKIP'])
    def test_policy(self, policy):
        with pytest.raises(exception.InvalidInput) as error:
            plan(policy=policy)
        assert error.value.field == 'misfire_policy'
        assert 'skip, fire_once, fire_all' in error.value.message

    @pytest.mark.parametrize('grace', [-1, float('nan'), float('inf'),
                                       '60', None, True])
    def test_grace(self, grace):
        with pytest.raises(exception.InvalidInput) as error:
            plan(grace=grace)
        assert error.value.field == 'misfire_grace_time'

    @pytest.mark.parametrize('max_fires', [0, -1, 1.5, None, True])
    def test_max_fires(self, max_fires):
        with pytest.raises(exception.InvalidInput) as error:
            plan(max_fires=max_fires)
        assert error.value.field == 'max_fires'

    def test_naive_now(self):
        with pytest.raises(ValueError):
            plan(now=datetime.datetime(2024, 1, 1))


@pytest.mark.parametrize('policy', misfire.MISFIRE_POLICIES)
class TestEveryPolicy:

    def test_exhausted_trigger(self, policy):
        assert plan(next_fire_at=None, policy=policy) == misfire.FirePlan(
            [], [], None, 0)

    def test_not_due(self, policy):
        later = NOW + MINUTE
        assert plan(next_fire_at=later, policy=policy) == misfire.FirePlan(
            [], [], later, 0)

    def test_due_now(self, policy):
        assert plan(policy=policy) == misfire.FirePlan(
            [NOW], [], NOW + MINUTE, 0)

    def test_within_grace(self, policy):
        now = NOW + datetime.timedelta(seconds=30)
        assert plan(now=now, policy=policy) == misfire.FirePlan(
            [NOW], [], NOW + MINUTE, 0)

    def test_several_on_time(self, policy):
        now = NOW + 2 * MINUTE
        assert plan(now=now, policy=policy, grace=300) == misfire.FirePlan(
            [NOW, NOW + MINUTE, NOW + 2 * MINUTE], [], NOW + 3 * MINUTE, 0)

    def test_last_fire_of_trigger(self, policy):
        trigger = triggers.build_trigger('oneshot', '2024-05-01T12:00:00Z',
                                         'UTC')
        assert plan(trigger, policy=policy) == misfire.FirePlan(
            [NOW], [], None, 0)

    def test_late_and_exhausted(self, policy):
        trigger = triggers.build_trigger('oneshot', '2024-05-01T12:00:00Z',
                                         'UTC')
        result = plan(trigger, now=NOW + 2 * MINUTE, policy=policy)
        assert result.next_fire_at is None
        assert result.missed == 1
        assert len(result.fire_times) + len(result.skipped_times) == 1


class TestLate:
    # Fire times 12:00 .. 12:05 are due at 12:05:10; with a grace of 30 s
    # only 12:05 is on time.
    now = NOW + 5 * MINUTE + datetime.timedelta(seconds=10)
    late = [NOW + i * MINUTE for i in range(5)]

    def test_skip(self):
        assert plan(now=self.now, policy='skip') == misfire.FirePlan(
            [NOW + 5 * MINUTE], self.late, NOW + 6 * MINUTE, 5)

    def test_fire_once_with_an_on_time_fire(self):
        assert plan(now=self.now, policy='fire_once') == misfire.FirePlan(
            [NOW + 5 * MINUTE], self.late, NOW + 6 * MINUTE, 5)

    def test_fire_once_coalesces_into_latest(self):
        now = NOW + 5 * MINUTE + datetime.timedelta(seconds=50)
        assert plan(now=now, policy='fire_once') == misfire.FirePlan(
            [NOW + 5 * MINUTE], self.late, NOW + 6 * MINUTE, 6)

    def test_fire_all(self):
        assert plan(now=self.now, policy='fire_all') == misfire.FirePlan(
            self.late + [NOW + 5 * MINUTE], [], NOW + 6 * MINUTE, 5)

    def test_fire_all_catches_up_over_several_calls(self):
        first = plan(now=self.now, policy='fire_all', max_fires=4)
        assert first == misfire.FirePlan(self.late[:4], [], NOW + 4 * MINUTE,
                                         4)
        second = plan(next_fire_at=first.next_fire_at, now=self.now,
                      policy='fire_all', max_fires=4)
        assert second == misfire.FirePlan(
            [NOW + 4 * MINUTE, NOW + 5 * MINUTE], [], NOW + 6 * MINUTE, 1)

    def test_skipped_times_keep_the_most_recent(self):
        result = plan(now=self.now, policy='skip', max_fires=2)
        assert result.skipped_times == self.late[-2:]
        assert result.missed == 5
        now = NOW + 5 * MINUTE + datetime.timedelta(seconds=50)
        result = plan(now=now, policy='fire_once', max_fires=2)
        assert result.fire_times == [NOW + 5 * MINUTE]
        assert result.skipped_times == self.late[-2:]

    def test_on_time_fires_are_capped_too(self):
        result = plan(now=NOW + 9 * MINUTE, policy='skip', grace=3600,
                      max_fires=3)
        assert result == misfire.FirePlan(
            [NOW, NOW + MINUTE, NOW + 2 * MINUTE], [], NOW + 3 * MINUTE, 0)

    def test_zero_grace(self):
        result = plan(now=NOW + MINUTE, policy='skip', grace=0)
        assert result == misfire.FirePlan([NOW + MINUTE], [NOW],
                                          NOW + 2 * MINUTE, 1)

    def test_next_fire_at_off_the_grid(self):
        # A stored time the trigger would not produce (the rule was
        # edited) still counts as one nominal time.
        odd = NOW - datetime.timedelta(seconds=90)
        result = plan(next_fire_at=odd, now=NOW + MINUTE, policy='skip')
        assert result == misfire.FirePlan(
            [NOW + MINUTE], [odd, NOW - MINUTE, NOW], NOW + 2 * MINUTE, 3)

    def test_end_at_exhausts(self):
        trigger = triggers.build_trigger('interval', '1m', 'UTC',
                                         end_at=NOW + 2 * MINUTE)
        result = plan(trigger, now=NOW + 10 * MINUTE, policy='fire_once')
        assert result == misfire.FirePlan(
            [NOW + 2 * MINUTE], [NOW, NOW + MINUTE], None, 3)


class TestBoundedWork:
    week = datetime.timedelta(days=7)

    @pytest.mark.parametrize('policy', ['skip', 'fire_once'])
    def test_interval_every_second_for_a_week(self, policy):
        trigger = triggers.build_trigger('interval', '1', 'UTC')
        start = time.perf_counter()
        result = plan(trigger, next_fire_at=NOW - self.week, now=NOW,
                      policy=policy, grace=60, max_fires=5)
        assert time.perf_counter() - start < 0.5
        assert result.missed == 7 * 86400 - 60
        assert result.skipped_times[-1] == NOW - datetime.timedelta(
            seconds=61)
        assert len(result.skipped_times) == 5
        assert result.fire_times[0] == NOW - datetime.timedelta(seconds=60)
        assert result.next_fire_at == result.fire_times[-1] + (
            datetime.timedelta(seconds=1))

    @pytest.mark.parametrize('policy', ['skip', 'fire_once'])
    def test_cron_every_second_for_a_week(self, policy):
        trigger = cron('* * * * * *', 'Europe/Berlin')
        start = time.perf_counter()
        result = plan(trigger, next_fire_at=NOW - self.week, now=NOW,
                      policy=policy, grace=60, max_fires=5)
        assert time.perf_counter() - start < 0.5
        assert result.missed == 7 * 86400 - 60
        assert result.skipped_times == [
            NOW - datetime.timedelta(seconds=s) for s in range(65, 60, -1)]

    def test_fire_all_is_bounded_by_max_fires(self):
        trigger = cron('* * * * * *')
        result = plan(trigger, next_fire_at=NOW - self.week, now=NOW,
                      policy='fire_all', max_fires=3)
        assert result.fire_times == [NOW - self.week + i * datetime.timedelta(
            seconds=1) for i in range(3)]
        assert result.next_fire_at == NOW - self.week + (
            3 * datetime.timedelta(seconds=1))

    def test_cron_backlog_across_fall_back(self):
        # A fixed-time job fires once in the repeated hour, so a backlog
        # over that night counts one fire per day.
        trigger = cron('30 2 * * *', 'Europe/Berlin')
        result = plan(trigger, next_fire_at=utc(2024, 10, 26, 0, 30),
                      now=utc(2024, 10, 29, 12), policy='skip')
        assert result.missed == 4
        assert result.skipped_times == [
            utc(2024, 10, 26, 0, 30), utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 28, 1, 30), utc(2024, 10, 29, 1, 30)]
        assert result.next_fire_at == utc(2024, 10, 30, 1, 30)


class TestHorizon:
    """Planning ahead: fire times up to a horizon, lateness from now."""

    def test_plans_up_to_the_horizon(self):
        horizon = NOW + 2 * MINUTE
        assert misfire.plan_fires(
            EVERY_MINUTE, NOW, NOW, 'skip', 30, 10,
            horizon=horizon) == misfire.FirePlan(
                [NOW, NOW + MINUTE, NOW + 2 * MINUTE], [], NOW + 3 * MINUTE,
                0)

    def test_nothing_before_the_horizon(self):
        later = NOW + 5 * MINUTE
        assert misfire.plan_fires(
            EVERY_MINUTE, later, NOW, 'skip', 30, 10,
            horizon=NOW + MINUTE) == misfire.FirePlan([], [], later, 0)

    @pytest.mark.parametrize('policy', misfire.MISFIRE_POLICIES)
    def test_lateness_is_measured_from_now(self, policy):
        # Two minutes late with a 90 s grace: late, whatever the horizon.
        late = NOW - 2 * MINUTE
        result = misfire.plan_fires(EVERY_MINUTE, late, NOW, policy, 90, 10,
                                    horizon=NOW + 30 * SECOND)
        assert result.missed == 1
        assert NOW in result.fire_times
        if policy == 'fire_all':
            assert result.fire_times == [late, NOW - MINUTE, NOW]
        else:
            assert result.fire_times == [NOW - MINUTE, NOW]
            assert result.skipped_times == [late]

    @pytest.mark.parametrize('max_fires,fires,next_at', [
        # The catch-up run fires now, and the future time is planned too.
        (10, [-10, 0], 10),
        # Room for one run only: the catch-up run; the future one waits.
        (1, [-10], 0),
    ])
    def test_fire_once_is_not_covered_by_a_time_ahead(self, max_fires,
                                                      fires, next_at):
        # Late times and only a future time within the horizon.
        trigger = triggers.build_trigger('interval', '10m', 'UTC')
        now = NOW - MINUTE
        result = misfire.plan_fires(
            trigger, NOW - 20 * MINUTE, now, 'fire_once', 60, max_fires,
            horizon=now + 10 * MINUTE)
        assert result.fire_times == [NOW + m * MINUTE for m in fires]
        assert result.skipped_times == [NOW - 20 * MINUTE]
        assert result.next_fire_at == NOW + next_at * MINUTE

    def test_horizon_before_now(self):
        with pytest.raises(exception.InvalidInput) as error:
            misfire.plan_fires(EVERY_MINUTE, NOW, NOW, 'skip', 30, 10,
                               horizon=NOW - SECOND)
        assert error.value.field == 'horizon'
