"""What ZooKeeper and the schedulers' logs say about bucket ownership."""

from __future__ import annotations

import os
import re

from tooz import coordination

from migrator_scheduler.coordination import ring

# "Joined group G as M owning N of B buckets" and "Bucket ownership
# changed: now N buckets (was M), K members".
_OWNED = re.compile(r'(?:owning|ownership changed: now) (\d+)(?: of \d+)? '
                    r'buckets')


class GroupObserver:
    """Reads a tooz group from ZooKeeper without joining it."""

    def __init__(self, backend_url: str, group: str, ring_points: int,
                 num_buckets: int) -> None:
        self._group = group.encode()
        self._ring_points = ring_points
        self._num_buckets = num_buckets
        self._coordinator = coordination.get_coordinator(
            backend_url, f'bench-observer-{os.getpid()}'.encode())
        self._coordinator.start()

    def members(self) -> set[bytes]:
        """The member ids in the group now."""
        try:
            return set(self._coordinator.get_members(self._group).get())
        except coordination.GroupNotCreated:
            return set()

    def assignment(self, members=None) -> dict[bytes, frozenset[int]]:
        """``{member: buckets}`` as the schedulers compute it."""
        members = self.members() if members is None else members
        return assign(members, self._ring_points, self._num_buckets)

    def stop(self) -> None:
        self._coordinator.stop()


def assign(members, ring_points: int,
           num_buckets: int) -> dict[bytes, frozenset[int]]:
    """The product's bucket assignment for ``members`` (weight 1 each)."""
    assigned = ring.assign_buckets({m: 1 for m in members}, ring_points,
                                   num_buckets)
    return {m: frozenset(b) for m, b in assigned.items()}


def owner_map(assignment: dict[bytes, frozenset[int]]) -> dict[int, bytes]:
    """``{bucket: member}`` from ``{member: buckets}``."""
    return {b: m for m, buckets in assignment.items() for b in buckets}


def moved_buckets(before: dict[bytes, frozenset[int]],
                  after: dict[bytes, frozenset[int]]) -> int:
    """How many buckets changed owner between two assignments."""
    old, new = owner_map(before), owner_map(after)
    return sum(1 for b in set(old) | set(new) if old.get(b) != new.get(b))


def host_of(member_id: bytes) -> str:
    """The ``host`` option of the scheduler that has ``member_id``."""
    return member_id.decode().split(':', 1)[0]


def logged_ownership(log_text: str) -> int | None:
    """The number of buckets a scheduler last logged owning."""
    found = _OWNED.findall(log_text)
    return int(found[-1]) if found else None
