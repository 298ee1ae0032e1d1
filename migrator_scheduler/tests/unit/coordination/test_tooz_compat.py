"""Reading a group's capabilities with any supported tooz."""

import pytest
from tooz import coordination

from migrator_scheduler.coordination import tooz_compat

GROUP = b'schedulers'


class _Result:
    def __init__(self, value=None, error=None):
        self._value, self._error = value, error

    def get(self, timeout=None):
        assert timeout == 5
        if self._error is not None:
            raise self._error
        return self._value


class _OldCoordinator:
    """A tooz 8 driver: capabilities are read one member at a time."""

    def __init__(self, members, gone=()):
        self.members, self.gone = members, set(gone)

    def get_members(self, group):
        assert group == GROUP
        return _Result(set(self.members) | self.gone)

    def get_member_capabilities(self, group, member):
        if member in self.gone:
            return _Result(error=coordination.MemberNotJoined(group, member))
        return _Result(self.members[member])


class _NewCoordinator(_OldCoordinator):
    def get_members_with_capabilities(self, group):
        return _Result(dict(self.members))


@pytest.mark.parametrize('cls', [_OldCoordinator, _NewCoordinator])
def test_members_with_capabilities(cls):
    members = {b'a': {'weight': 1}, b'b': b'raw'}
    assert tooz_compat.members_with_capabilities(
        cls(members), GROUP, 5) == members


def test_member_leaving_between_the_reads_is_not_a_member():
    coordinator = _OldCoordinator({b'a': {'weight': 1}}, gone={b'b'})
    assert tooz_compat.members_with_capabilities(coordinator, GROUP, 5) == {
        b'a': {'weight': 1}}


def test_missing_group():
    class _NoGroup:
        def get_members(self, group):
            return _Result(error=coordination.GroupNotCreated(group))

    with pytest.raises(coordination.GroupNotCreated):
        tooz_compat.members_with_capabilities(_NoGroup(), GROUP, 5)
