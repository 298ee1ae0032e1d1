"""Deterministic jitter: spreading runs that share a fire time."""

import datetime
import hashlib
import math

from migrator_scheduler import exception
from migrator_scheduler.triggers import base

# 53 bits: exactly what a float's mantissa holds, so the fraction below
# is uniform and strictly less than 1.
_BITS = 53


def jitter_offset(rule_id: str, scheduled_for: datetime.datetime,
                  max_jitter_seconds: float) -> float:
    """Return a delay in [0, max_jitter_seconds) for one run of a rule.

    The same rule and nominal time give the same delay on every
    scheduler and in every process (a SHA-256 digest, not Python's
    salted ``hash()``); different fire times of a rule get unrelated
    delays. Returns 0.0 when ``max_jitter_seconds`` is 0.

    :raises InvalidInput: on ``max_jitter_seconds`` if negative or not
        finite.
    """
    if (isinstance(max_jitter_seconds, bool)
            or not isinstance(max_jitter_seconds, (int, float))
            or not math.isfinite(max_jitter_seconds)
            or max_jitter_seconds < 0):
        raise exception.InvalidInput(
            'max_jitter_seconds', f'must be a number of seconds >= 0, '
            f'got {max_jitter_seconds!r}')
    if max_jitter_seconds == 0:
        return 0.0
    # The instant, not its representation, must decide: normalise to UTC.
    when = base.as_utc(scheduled_for, 'scheduled_for').isoformat(
        timespec='microseconds')
    digest = hashlib.sha256(f'{rule_id}\n{when}'.encode()).digest()
    fraction = (int.from_bytes(digest[:8], 'big') >> (64 - _BITS)) / (
        1 << _BITS)
    # Rounding of the product must not reach the excluded upper bound.
    return min(fraction * max_jitter_seconds,
               math.nextafter(max_jitter_seconds, 0.0))
