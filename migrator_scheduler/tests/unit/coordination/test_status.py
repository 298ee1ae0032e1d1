"""The group observer and ``cluster status``, on tooz's file backend."""

import datetime
import uuid

import pytest
from tooz import coordination

from migrator_scheduler.common import buckets as buckets_mod
from migrator_scheduler.conf import CONF
from migrator_scheduler.coordination import membership
from migrator_scheduler.coordination import ring
from migrator_scheduler.coordination import status
from migrator_scheduler.coordination import view
from migrator_scheduler.db import api as db_api

NUM_BUCKETS = 64
RING_POINTS = 32
GROUP = 'schedulers'


@pytest.fixture
def backend_url(tmp_path):
    return f'file://{tmp_path}/coord'


@pytest.fixture
def join(backend_url):
    """``join(host, weight=1) -> member id``: a member of ``GROUP``."""
    coordinators = []

    def make(host, weight=1):
        member_id = membership.make_member_id(host)
        coordinator = coordination.get_coordinator(backend_url, member_id)
        coordinator.start()
        coordinators.append(coordinator)
        coordinator.join_group_create(
            GROUP.encode(), capabilities={'weight': weight, 'host': host})
        return member_id

    yield make
    for coordinator in coordinators:
        coordinator.stop()


@pytest.fixture
def observer(backend_url):
    with status.GroupObserver(backend_url, GROUP, 'observer', RING_POINTS,
                              NUM_BUCKETS) as observer:
        yield observer


def test_member_host_inverts_make_member_id():
    assert status.member_host(membership.make_member_id('node-1')) == \
        'node-1'


def test_assign_splits_every_bucket_once():
    assigned = status.assign([b'a', b'b', b'c'], RING_POINTS, NUM_BUCKETS)
    assert set(assigned) == {b'a', b'b', b'c'}
    assert all(isinstance(b, frozenset) and b for b in assigned.values())
    owned = [b for buckets in assigned.values() for b in buckets]
    assert sorted(owned) == list(range(NUM_BUCKETS))


def test_assign_ids_are_of_weight_one():
    expected = ring.assign_buckets({b'a': 1, b'b': 1}, RING_POINTS,
                                   NUM_BUCKETS)
    assert status.assign({b'a', b'b'}, RING_POINTS, NUM_BUCKETS) == {
        m: frozenset(b) for m, b in expected.items()}
    assert status.assign({b'a': 1, b'b': 1}, RING_POINTS, NUM_BUCKETS) == \
        status.assign([b'a', b'b'], RING_POINTS, NUM_BUCKETS)


def test_assign_uses_given_weights():
    expected = ring.assign_buckets({b'a': 3, b'b': 1}, RING_POINTS,
                                   NUM_BUCKETS)
    assert status.assign({b'a': 3, b'b': 1}, RING_POINTS, NUM_BUCKETS) == {
        m: frozenset(b) for m, b in expected.items()}


def test_assign_without_members_is_empty():
    assert status.assign([], RING_POINTS, NUM_BUCKETS) == {}


def test_observer_without_group_sees_nobody(observer):
    assert observer.members() == set()
    assert observer.capabilities() == {}
    assert observer.assignment() == {}


def test_observer_sees_members_without_joining(observer, join):
    a, b = join('a'), join('b')
    assert observer.members() == {a, b}
    assert observer.capabilities() == {a: {'weight': 1, 'host': 'a'},
                                       b: {'weight': 1, 'host': 'b'}}
    assert observer.assignment() == status.assign(
        [a, b], RING_POINTS, NUM_BUCKETS)


def test_observer_assignment_of_given_members(observer, join):
    a = join('a')
    assert observer.assignment([a, b'other']) == status.assign(
        [a, b'other'], RING_POINTS, NUM_BUCKETS)
    assert observer.assignment({a: 2}) == {a: frozenset(range(NUM_BUCKETS))}


def test_observer_needs_start_and_stops_once(backend_url):
    observer = status.GroupObserver(backend_url, GROUP, 'observer',
                                    RING_POINTS, NUM_BUCKETS)
    with pytest.raises(RuntimeError):
        observer.members()
    observer.start()
    assert observer.members() == set()
    observer.stop()
    observer.stop()


class _FakeCoordinator:
    """Answers like a tooz driver, from a dict of members."""

    def __init__(self, members):
        self.members = members
        self.started = False

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def get_members_with_capabilities(self, group):
        return _Result(dict(self.members))

    def get_members(self, group):
        return _Result(set(self.members))


class _Result:
    def __init__(self, value):
        self._value = value

    def get(self, timeout=None):
        return self._value


def test_capabilities_that_are_not_a_dict_read_as_empty(monkeypatch):
    fake = _FakeCoordinator({b'a': None, b'b': b'raw', b'c': {'weight': 2}})
    monkeypatch.setattr(coordination, 'get_coordinator',
                        lambda url, member_id: fake)
    with status.GroupObserver('fake://', GROUP, 'observer', RING_POINTS,
                              NUM_BUCKETS) as observer:
        assert fake.started
        assert observer.capabilities() == {b'a': {}, b'b': {},
                                           b'c': {'weight': 2}}
    assert not fake.started


# -------------------------------------------------------- cluster status

@pytest.fixture
def status_conf(sqlite_db, backend_url):
    CONF.set_override('backend_url', backend_url, group='coordination')
    CONF.set_override('group_name', GROUP, group='coordination')
    CONF.set_override('ring_points', RING_POINTS, group='coordination')
    db_api.ensure_num_buckets(NUM_BUCKETS)
    yield CONF
    for name in ('backend_url', 'group_name', 'ring_points'):
        CONF.clear_override(name, group='coordination')


def _due_rule(now):
    """Create a rule due at ``now``; return its bucket."""
    rule_id = str(uuid.uuid4())
    bucket = buckets_mod.bucket_for(rule_id, NUM_BUCKETS)
    db_api.create_rules([{
        'id': rule_id, 'project_id': 'unit', 'name': rule_id,
        'job_type': 'noop', 'job_args': {}, 'trigger_kind': 'interval',
        'trigger_expr': '60', 'timezone': 'UTC', 'paused': False,
        'misfire_policy': 'fire_once',
        'bucket': bucket,
        'next_fire_at': now - datetime.timedelta(seconds=1)}])
    return bucket


def _report(member_id, members, fingerprint, **changes):
    report = {
        'host': status.member_host(member_id), 'pid': 1, 'state': 'active',
        'started_at': datetime.datetime.now(datetime.timezone.utc),
        'listed_at': None, 'members': [m.decode() for m in members],
        'ring_fingerprint': fingerprint, 'owned_buckets': 1,
        'num_buckets': NUM_BUCKETS, 'ring_points': RING_POINTS,
        'tz_version': '2025b', 'clock_offset': 0.0, 'fired_rules': 0,
        'rescued_rules': 0, 'rescued_runs': 0, 'rejoins': 0,
        'code_version': 'test'}
    report.update(changes)
    db_api.report_scheduler(member_id.decode(), report)


def test_cluster_status_without_members(status_conf):
    now = datetime.datetime.now(datetime.timezone.utc)
    _due_rule(now)
    report = status.cluster_status(status_conf, settle=0)
    assert report['num_buckets'] == NUM_BUCKETS
    assert report['members'] == []
    assert report['unowned_due'] == 1
    assert not report['healthy']
    assert any('no scheduler is a member' in p for p in report['problems'])


def test_cluster_status_reports_each_member(status_conf, join):
    now = datetime.datetime.now(datetime.timezone.utc)
    due = [_due_rule(now) for _ in range(3)]
    a, b = join('a'), join('b', weight=2)
    report = status.cluster_status(status_conf, settle=0)
    # Weighted as the capabilities say; the observer joined nothing.
    assigned = status.assign({a: 1, b: 2}, RING_POINTS, NUM_BUCKETS)
    assert report['members'] == [
        {'member': m.decode(), 'host': status.member_host(m),
         'buckets': len(assigned[m]),
         'due': sum(1 for bucket in due if bucket in assigned[m])}
        for m in sorted(assigned)]
    assert report['unowned_due'] == 0


def test_cluster_status_is_healthy_when_every_view_agrees(status_conf,
                                                          join):
    a, b = join('a'), join('b')
    ring_id = view.fingerprint(status.assign([a, b], RING_POINTS,
                                             NUM_BUCKETS), NUM_BUCKETS)
    _report(a, [a, b], ring_id)
    _report(b, [a, b], ring_id)
    report = status.cluster_status(status_conf, settle=0)
    assert report['problems'] == []
    assert report['healthy']
    assert report['ring'] == ring_id
    assert [s['verdict'] for s in report['schedulers']] == ['ok', 'ok']


def test_cluster_status_flags_a_scheduler_that_misses_a_member(
        status_conf, join):
    a, b, c = join('a'), join('b'), join('c')
    full = view.fingerprint(status.assign([a, b, c], RING_POINTS,
                                          NUM_BUCKETS), NUM_BUCKETS)
    partial = view.fingerprint(status.assign([a, b], RING_POINTS,
                                             NUM_BUCKETS), NUM_BUCKETS)
    _report(a, [a, b, c], full)
    _report(b, [a, b], partial)
    _report(c, [a, b, c], full)
    report = status.cluster_status(status_conf, settle=0)
    assert not report['healthy']
    [problem] = report['problems']
    assert problem.startswith(f'scheduler b ({b.decode()}) sees 2 members')
    assert c.decode() in problem


def test_cluster_status_flags_overdue_rules(status_conf, join):
    a = join('a')
    ring_id = view.fingerprint(status.assign([a], RING_POINTS,
                                             NUM_BUCKETS), NUM_BUCKETS)
    _report(a, [a], ring_id)
    _due_rule(datetime.datetime.now(datetime.timezone.utc) -
              datetime.timedelta(hours=1))
    report = status.cluster_status(status_conf, settle=0)
    [problem] = report['problems']
    assert problem.startswith('1 rules are due for more than')
    assert report['overdue']['rules'] == 1
