"""BucketMembership on tooz's file backend (a real driver, local only)."""

import time

import pytest

from migrator_scheduler.coordination import membership

NUM_BUCKETS = 64


@pytest.fixture
def make_member(tmp_path):
    members = []

    def make(host):
        member = membership.BucketMembership(
            f'file://{tmp_path}/coord', 'group', host, NUM_BUCKETS,
            ring_points=64, membership_check_interval=0.5)
        member.start()
        members.append(member)
        return member

    yield make
    for member in members:
        member.stop()


def _settle(*members, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for member in members:
            member.poll(timeout=1.0)
        owned = [m.owned_buckets for m in members]
        if sum(len(o) for o in owned) == NUM_BUCKETS and \
                len(frozenset().union(*owned)) == NUM_BUCKETS:
            return owned
        time.sleep(0.05)
    raise AssertionError(f'no settled ownership: {owned}')


def test_single_member_owns_everything(make_member):
    member = make_member('a')
    assert member.owned_buckets == frozenset(range(NUM_BUCKETS))


def test_members_split_buckets_and_take_over_on_leave(make_member):
    a, b = make_member('a'), make_member('b')
    owned_a, owned_b = _settle(a, b)
    assert owned_a and owned_b and not owned_a & owned_b
    b.stop()
    (owned_a,) = _settle(a)
    assert owned_a == frozenset(range(NUM_BUCKETS))


def test_member_rejoins_when_dropped_from_group(make_member):
    a = make_member('a')
    # What a session expiry does: the member's registration disappears.
    a._coordinator.leave_group(a._group).get()
    deadline = time.monotonic() + 10
    while a.member_id not in a.members() and time.monotonic() < deadline:
        a.poll(timeout=1.0)
        time.sleep(0.1)
    assert a.member_id in a.members()
    assert a.owned_buckets == frozenset(range(NUM_BUCKETS))
