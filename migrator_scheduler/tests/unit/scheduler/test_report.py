"""Each scheduler's report of itself, and what cluster status reads."""

import datetime

import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import report
from migrator_scheduler.scheduler import rescue
from migrator_scheduler.tests.unit.scheduler import fakes
from migrator_scheduler.triggers import zones


@pytest.fixture
def reporter(sqlite_db):
    return report.StatusReporter(ms_conf.CONF,
                                 fakes.FakeMembership(range(4), 16), 16)


def _rescuer():
    return rescue.Rescuer(ms_conf.CONF, fakes.FakeDispatcher(), 20)


def test_a_report_records_the_view(reporter):
    before = db_api.database_time()
    reporter.report(report.ACTIVE, 0.25, 7, _rescuer())
    [row] = db_api.list_schedulers()
    assert row['member_id'] == fakes.FakeMembership.member_id.decode()
    assert row['members'] == [fakes.FakeMembership.member_id.decode()]
    assert row['owned_buckets'] == 4
    assert row['num_buckets'] == 16
    assert row['ring_fingerprint'] == reporter.membership.view.fingerprint
    assert row['fired_rules'] == 7
    assert row['clock_offset'] == 0.25
    assert row['tz_version'] == zones.tz_version()
    assert row['reported_at'] >= before
    assert not reporter.due()


def test_reports_replace_each_other_and_go_with_the_scheduler(reporter):
    reporter.report(report.ACTIVE, None, 1, _rescuer())
    reporter.report(report.CLOCK_SKEWED, None, 2, _rescuer())
    [row] = db_api.list_schedulers()
    assert row['state'] == 'clock-skewed' and row['fired_rules'] == 2
    reporter.remove()
    assert db_api.list_schedulers() == []


def test_long_silent_schedulers_are_forgotten(reporter):
    reporter.report(report.ACTIVE, None, 0, _rescuer())
    now = db_api.database_time()
    assert db_api.purge_schedulers(now - datetime.timedelta(hours=1)) == 0
    assert db_api.purge_schedulers(now + datetime.timedelta(seconds=1)) == 1


def test_a_failed_report_is_not_retried_at_once(reporter, monkeypatch):
    def broken(*args):
        raise RuntimeError('database away')
    monkeypatch.setattr(db_api, 'report_scheduler', broken)
    with pytest.raises(RuntimeError):
        reporter.report(report.ACTIVE, None, 0, _rescuer())
    assert not reporter.due()
