"""Verdicts on the schedulers' reports (pure)."""

import datetime

from migrator_scheduler.coordination import health

NOW = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.timezone.utc)
STALE_AFTER = 15.0
BUCKETS = 1024


def _report(member, members=('a', 'b'), ring='r1', age=1.0, **changes):
    report = {
        'member_id': member, 'host': member.split(':')[0],
        'state': 'active', 'members': list(members),
        'ring_fingerprint': ring,
        'reported_at': NOW - datetime.timedelta(seconds=age),
        'num_buckets': BUCKETS, 'tz_version': '2025b',
        'clock_offset': 0.0}
    report.update(changes)
    return report


def _assess(reports, group=('a', 'b'), ring='r1'):
    judged, problems = health.assess(
        reports, None if group is None else set(group), ring, NOW,
        STALE_AFTER, BUCKETS)
    return [r['verdict'] for r in judged], problems


def test_agreeing_schedulers_are_healthy():
    assert _assess([_report('a'), _report('b')]) == (['ok', 'ok'], [])


def test_a_view_missing_a_member_disagrees():
    verdicts, problems = _assess([_report('a'),
                                  _report('b', members=('b',), ring='r2')])
    assert verdicts == ['ok', 'disagrees']
    assert problems == ['scheduler b (b) sees 1 members (ring r2), the '
                        'group has 2 (ring r1); it misses a and sees no '
                        'one more']


def test_another_ring_with_the_same_members_disagrees():
    # Same members, other ring points or bucket count.
    verdicts, problems = _assess([_report('a'), _report('b', ring='r9')])
    assert verdicts == ['ok', 'disagrees']


def test_a_silent_member_is_stale_and_a_silent_former_one_gone():
    verdicts, problems = _assess([
        _report('a'), _report('b', age=60), _report('c', age=600)])
    assert verdicts == ['ok', 'stale', 'gone']
    [problem] = problems
    assert problem.startswith('scheduler b (b) is a member of the group '
                              'but has not reported for 60s')


def test_a_skewed_scheduler_is_a_problem():
    verdicts, problems = _assess([
        _report('a'), _report('b', state='clock-skewed', members=(),
                              clock_offset=-120.0)])
    assert verdicts == ['ok', 'clock-skewed']
    assert 'its clock is +120.0s off' in problems[0]


def test_a_reporting_scheduler_outside_the_group_is_a_problem():
    verdicts, problems = _assess([_report('a'), _report('b'),
                                  _report('c', members=('c',))])
    assert verdicts == ['ok', 'ok', 'outside-group']
    assert 'is not a member of the group' in problems[0]


def test_a_member_without_a_report_is_a_problem():
    verdicts, problems = _assess([_report('a')])
    assert verdicts == ['ok']
    assert problems == ['member b is in the group but no running scheduler '
                        'reports as it: the buckets the ring gives it are '
                        'fired only by the rescue']


def test_different_tz_databases_are_a_problem():
    _, problems = _assess([_report('a'), _report('b', tz_version='2024a')])
    assert problems == ['schedulers compute fire times with different tz '
                        'databases: 2024a on b; 2025b on a']


def test_another_bucket_count_is_a_problem():
    _, problems = _assess([_report('a'), _report('b', num_buckets=64)])
    assert problems == ['scheduler b (b) uses 64 buckets, the deployment '
                        '1024']


def test_without_a_group_listing_views_are_not_judged():
    verdicts, problems = _assess([_report('a'), _report('b', age=60)],
                                 group=None, ring=None)
    assert verdicts == ['ok', 'stale']
    assert len(problems) == 1


def test_overdue_problems():
    assert health.overdue_problems(
        {'rules': 0, 'oldest_rule': None, 'uncast_runs': 0,
         'oldest_run': None}, 17) == []
    problems = health.overdue_problems(
        {'rules': 2, 'oldest_rule': NOW, 'uncast_runs': 3,
         'oldest_run': NOW}, 17)
    assert problems == [
        '2 rules are due for more than 17s and not fired (oldest due at '
        '2026-12-02T02:00:00+00:00)',
        '3 runs are due for more than 17s and were never cast (oldest due '
        'at 2026-12-02T02:00:00+00:00)']
