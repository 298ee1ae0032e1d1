"""BucketMembership on tooz's file backend (a real driver, local only)."""

import logging
import threading

import pytest
from tooz import coordination

from migrator_scheduler.coordination import membership
from migrator_scheduler.coordination import view

NUM_BUCKETS = 64
RING_POINTS = 64


@pytest.fixture
def url(tmp_path):
    return f'file://{tmp_path}/coord'


@pytest.fixture
def make_member(url):
    members = []

    def make(host, on_change=None, watch_interval=60.0):
        member = membership.BucketMembership(
            url, 'group', host, NUM_BUCKETS, RING_POINTS,
            watch_interval=watch_interval, reconcile_interval=60.0,
            on_change=on_change)
        member.start()
        members.append(member)
        return member

    yield make
    for member in members:
        member.stop()


@pytest.fixture
def raw_member(url):
    """Join the group with a bare tooz coordinator: a member the
    BucketMemberships did not see join."""
    coordinators = []

    def join(name):
        coordinator = coordination.get_coordinator(url, name.encode())
        coordinator.start()
        coordinator.join_group_create(b'group',
                                      capabilities={'weight': 1})
        coordinators.append(coordinator)
        return coordinator

    yield join
    for coordinator in coordinators:
        coordinator.stop()


def test_single_member_owns_everything(make_member):
    member = make_member('a')
    assert member.owned_buckets == frozenset(range(NUM_BUCKETS))
    assert set(member.view.members) == {member.member_id}


def test_members_split_buckets_and_take_over_on_leave(make_member):
    a, b = make_member('a'), make_member('b')
    a.refresh()
    assert a.view.fingerprint == b.view.fingerprint
    assert a.owned_buckets and b.owned_buckets
    assert not a.owned_buckets & b.owned_buckets
    assert a.owned_buckets | b.owned_buckets == frozenset(range(NUM_BUCKETS))
    b.stop()
    a.refresh()
    assert a.owned_buckets == frozenset(range(NUM_BUCKETS))


def test_the_view_is_what_a_fresh_listing_shows(make_member, raw_member):
    # However members came and went between two listings (joined and
    # left unseen, or left without having been seen to join), the next
    # listing gives the whole truth.
    a = make_member('a')
    raw_member('b')
    unseen = raw_member('c')
    unseen.leave_group(b'group').get()
    raw_member('d')
    a.refresh()
    assert set(a.view.members) == {a.member_id, b'b', b'd'}
    expected = view.GroupView.build({a.member_id: 1, b'b': 1, b'd': 1},
                                    a.member_id, RING_POINTS, NUM_BUCKETS)
    assert a.view == expected


def test_member_rejoins_when_dropped_from_group(make_member):
    a = make_member('a')
    a.take_change()
    # What a session expiry does: the member's registration disappears.
    a._coordinator.leave_group(a._group).get()
    a.refresh()
    assert a.member_id in a._list_members()
    assert a.rejoins == 1
    assert a.take_change()  # the loop is told, to report and sweep
    assert a.owned_buckets == frozenset(range(NUM_BUCKETS))


def test_an_ownership_change_is_taken_once_and_wakes_the_loop(
        make_member, raw_member):
    woken = []
    a = make_member('a', on_change=lambda: woken.append(1))
    assert a.take_change()  # joining gave it its buckets
    assert not a.take_change()
    raw_member('b')
    a.refresh()
    assert a.take_change() and not a.take_change()
    assert len(woken) == 2


class _Unreachable:
    """A coordinator whose backend does not answer."""

    def get_members(self, group):
        raise coordination.ToozConnectionError('connection lost')

    get_members_with_capabilities = get_members


def test_an_unreachable_backend_keeps_the_buckets(make_member, caplog):
    caplog.set_level(logging.INFO)
    a = make_member('a')
    real, a._coordinator = a._coordinator, _Unreachable()
    try:
        a.refresh()
        a.refresh()
        assert a.owned_buckets == frozenset(range(NUM_BUCKETS))
        warnings = [r for r in caplog.records
                    if 'Cannot list group' in r.getMessage()]
        assert len(warnings) == 1  # not once per listing
    finally:
        a._coordinator = real
    a.refresh()
    assert any('can be listed again' in r.getMessage()
               for r in caplog.records)


def test_suspended_member_leaves_and_owns_nothing(make_member):
    a, b = make_member('a'), make_member('b')
    a.suspend()
    assert a.owned_buckets == frozenset()
    assert a.member_id not in a._list_members()
    b.refresh()
    assert b.owned_buckets == frozenset(range(NUM_BUCKETS))
    a.resume()
    assert a.owned_buckets
    assert a.member_id in a._list_members()


def test_the_listing_thread_survives_a_failure(make_member, raw_member,
                                               monkeypatch):
    a = make_member('a', watch_interval=0.05)
    listed = threading.Event()
    calls = []
    real_build = view.GroupView.build

    def flaky_build(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError('a ring error')
        listed.set()
        return real_build(*args, **kwargs)

    monkeypatch.setattr(view.GroupView, 'build', flaky_build)
    # A new member: the next listing builds a ring, and fails once.
    raw_member('b')
    assert listed.wait(10), 'the listing thread stopped after a failure'
    assert a._thread.is_alive()
    assert set(a.view.members) == {a.member_id, b'b'}


def test_a_member_started_suspended_joins_on_resume(url):
    member = membership.BucketMembership(
        url, 'group', 'a', NUM_BUCKETS, RING_POINTS, watch_interval=60.0,
        reconcile_interval=60.0)
    member.start(suspended=True)
    try:
        assert member.owned_buckets == frozenset()
        assert member.member_id not in member._list_members()
        member.resume()
        assert member.owned_buckets == frozenset(range(NUM_BUCKETS))
    finally:
        member.stop()


def test_zookeeper_reconnects_without_a_long_back_off():
    options = membership.backend_options('zookeeper://zk1:2181?timeout=5')
    retry = options['connection_retry']
    assert retry['max_tries'] == -1 and retry['max_delay'] <= 1.0
    assert membership.backend_options('file:///var/lib/coord') == {}


def test_a_reconcile_of_an_unchanged_group_builds_no_ring(make_member,
                                                           monkeypatch):
    a = make_member('a')
    built = []
    real_build = view.GroupView.build
    monkeypatch.setattr(view.GroupView, 'build',
                        lambda *args: built.append(1) or real_build(*args))
    a._next_reconcile = 0.0
    a.refresh()
    assert built == []
    # Same members, another weight (the file backend cannot update
    # capabilities in place).
    a._coordinator.leave_group(a._group).get()
    a._coordinator.join_group(a._group, capabilities={'weight': 2}).get()
    a._next_reconcile = 0.0
    a.refresh()
    assert built == [1]
    assert a.view.members == {a.member_id: 2}
