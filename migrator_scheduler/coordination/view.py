"""A scheduler's picture of the group, built from one member listing.

The picture is derived afresh from a complete listing every time, never
patched event by event: a member missed once (a join between two reads)
or an event that cannot be applied cannot leave it wrong for longer than
the next listing.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import hashlib

from migrator_scheduler.coordination import ring


def fingerprint(assignment: collections.abc.Mapping[bytes,
                                                    collections.abc.Iterable[
                                                        int]],
                num_buckets: int) -> str:
    """Return a short digest of which member owns which bucket.

    Two schedulers with the same fingerprint assign every bucket alike;
    any difference of members, weights, ring points or bucket count shows
    as another fingerprint.
    """
    owner = [b''] * num_buckets
    for member, buckets in assignment.items():
        for bucket in buckets:
            owner[bucket] = member
    digest = hashlib.sha256(b'\n'.join(owner))
    return digest.hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class GroupView:
    """Members seen in one listing and the buckets that gives each.

    :ivar members: ``{member id: weight}`` as listed.
    :ivar owned: buckets of the member this view was built for.
    :ivar fingerprint: see :func:`fingerprint`.
    """

    members: collections.abc.Mapping[bytes, int]
    owned: frozenset[int]
    fingerprint: str

    @classmethod
    def build(cls, members: collections.abc.Mapping[bytes, int],
              me: bytes, ring_points: int, num_buckets: int) -> GroupView:
        """Assign the buckets between ``members`` as every scheduler does."""
        assignment = ring.assign_buckets(members, ring_points, num_buckets)
        return cls(dict(members), frozenset(assignment.get(me, ())),
                   fingerprint(assignment, num_buckets))

    @classmethod
    def empty(cls, num_buckets: int) -> GroupView:
        """The view of a scheduler that is not in the group."""
        return cls({}, frozenset(), fingerprint({}, num_buckets))


def weight_of(capabilities) -> int:
    """Return a member's ring weight from its tooz capabilities."""
    if isinstance(capabilities, dict):
        weight = capabilities.get('weight', 1)
        if isinstance(weight, int) and not isinstance(weight, bool) and \
                weight > 0:
            return weight
    return 1
