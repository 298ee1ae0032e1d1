"""What the schedulers' logs say about bucket ownership, and how it moves.

ZooKeeper is read through
:class:`migrator_scheduler.coordination.status.GroupObserver`.
"""

from __future__ import annotations

import re

# "Joined group G as M owning N of B buckets" and "Bucket ownership
# changed: now N buckets (was M), K members".
_OWNED = re.compile(r'(?:owning|ownership changed: now) (\d+)(?: of \d+)? '
                    r'buckets')


def owner_map(assignment: dict[bytes, frozenset[int]]) -> dict[int, bytes]:
    """``{bucket: member}`` from ``{member: buckets}``."""
    return {b: m for m, buckets in assignment.items() for b in buckets}


def moved_buckets(before: dict[bytes, frozenset[int]],
                  after: dict[bytes, frozenset[int]]) -> int:
    """How many buckets changed owner between two assignments."""
    old, new = owner_map(before), owner_map(after)
    return sum(1 for b in set(old) | set(new) if old.get(b) != new.get(b))


def logged_ownership(log_text: str) -> int | None:
    """The number of buckets a scheduler last logged owning."""
    found = _OWNED.findall(log_text)
    return int(found[-1]) if found else None
