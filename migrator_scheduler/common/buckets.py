"""Stable mapping of rules to buckets."""

import hashlib


def bucket_for(rule_id: str, num_buckets: int) -> int:
    """Return the bucket of ``rule_id``: the same on every host, forever.

    Python's ``hash()`` is salted per process, so a digest is used.
    """
    digest = hashlib.sha256(rule_id.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big') % num_buckets
