"""Which member of the group owns which bucket.

Buckets are placed on tooz's consistent hash ring exactly as
:class:`tooz.partitioner.Partitioner` places objects (the bucket number
as text), so every scheduler and ``cluster status`` compute the same map.
"""

from __future__ import annotations

import collections.abc

from tooz import hashring


def _key(bucket: int) -> bytes:
    return str(bucket).encode('utf-8')


def owned_buckets(ring: hashring.HashRing, member_id: bytes,
                  num_buckets: int) -> frozenset[int]:
    """Return the buckets ``ring`` assigns to ``member_id``."""
    if member_id not in ring.nodes:
        return frozenset()
    return frozenset(b for b in range(num_buckets)
                     if member_id in ring.get_nodes(_key(b)))


def assign_buckets(members: collections.abc.Mapping[bytes, int],
                   ring_points: int,
                   num_buckets: int) -> dict[bytes, list[int]]:
    """Return ``{member: [buckets]}`` for members with their weights."""
    ring = hashring.HashRing([], partitions=ring_points)
    for member, weight in members.items():
        ring.add_node(member, weight)
    assignment: dict[bytes, list[int]] = {m: [] for m in members}
    if not members:
        return assignment
    for bucket in range(num_buckets):
        for member in ring.get_nodes(_key(bucket)):
            assignment[member].append(bucket)
    return assignment
