"""The clock check: refuse to fire when this host's clock is off."""

import datetime

import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import clock
from migrator_scheduler.scheduler import manager
from migrator_scheduler.tests.unit.scheduler import fakes

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


class Clocks:
    """This host's clock and the server's, set by the test."""

    def __init__(self):
        self.local = T0
        self.offset = 0.0
        # How long the comparison query takes, in seconds.
        self.delay = 0.01

    def now(self):
        return self.local

    def server(self):
        when = self.local + datetime.timedelta(
            seconds=self.offset + self.delay / 2)
        self.local += datetime.timedelta(seconds=self.delay)
        return when


@pytest.fixture
def clocks():
    return Clocks()


def _guard(clocks, max_skew=2.0):
    return clock.ClockGuard(max_skew, 30.0, clock=clocks.now,
                            server_time=clocks.server)


def test_agreeing_clocks_are_not_skewed(clocks):
    guard = _guard(clocks)
    clocks.offset = 1.5
    assert not guard.check()
    assert not guard.skewed
    assert guard.offset == pytest.approx(1.5)


@pytest.mark.parametrize('offset', [120.0, -120.0, 2.5])
def test_a_clock_off_by_more_than_the_bound_is_skewed(clocks, offset,
                                                      caplog):
    guard = _guard(clocks)
    clocks.offset = offset
    assert guard.check()  # changed
    assert guard.skewed
    assert 'refusing to fire' in caplog.text
    assert not guard.check()  # still skewed: no change


def test_a_slow_comparison_is_not_taken_for_a_skew(clocks):
    # 2.4 s off, but the answer took 1 s: it may be 1.9 s only.
    guard = _guard(clocks)
    clocks.offset, clocks.delay = 2.4, 1.0
    guard.check()
    assert not guard.skewed


def test_firing_resumes_once_the_clocks_agree(clocks, caplog):
    guard = _guard(clocks)
    clocks.offset = 10
    guard.check()
    assert guard.seconds_to_next_check() <= 5.0  # checked more often
    clocks.offset = 0.1
    assert guard.check()
    assert not guard.skewed
    assert 'firing resumes' in caplog.text


def test_a_bound_of_zero_never_refuses(clocks):
    guard = _guard(clocks, max_skew=0)
    clocks.offset = 3600
    guard.check()
    assert not guard.skewed
    assert guard.offset == pytest.approx(3600)


def test_the_database_clock_is_read(sqlite_db):
    now = datetime.datetime.now(UTC)
    server = db_api.database_time()
    assert server.tzinfo is not None
    assert abs((server - now).total_seconds()) < 60


def test_a_skewed_scheduler_leaves_the_group_and_fires_nothing(
        sqlite_db, clocks):
    clocks.offset = -300
    membership = fakes.FakeMembership(range(16), 16)
    dispatcher = fakes.FakeDispatcher()
    mgr = manager.SchedulerManager(ms_conf.CONF, membership, dispatcher, 16,
                                   clock_guard=_guard(clocks))
    calls = []
    mgr.fire_due = lambda buckets: calls.append(buckets)
    mgr.rescuer.rescue = lambda now: calls.append(now)
    mgr.iterate()
    assert membership.suspended
    assert calls == []
    [report] = db_api.list_schedulers()
    assert report['state'] == 'clock-skewed'
    clocks.offset = 0
    mgr.clock._next_check = 0.0
    mgr.iterate()
    assert not membership.suspended
    assert db_api.list_schedulers()[0]['state'] == 'active'
