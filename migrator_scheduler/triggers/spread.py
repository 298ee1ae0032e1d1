"""Spreading: when the run of a fire time may start.

Thousands of rules often share one fire time. A rule's *spread window*
places its runs at a fixed point of the window after each fire time,
chosen by a hash of the rule id, so a burst is spread evenly over the
window; its *jitter* adds a further delay drawn per fire time. Both are
deterministic (SHA-256, not Python's salted ``hash()``): every scheduler
and every preview computes the same start time.

The run keeps its nominal fire time as its identity; the start time only
says when it may be cast. Pure: no I/O, ``now`` is a parameter.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

from migrator_scheduler.triggers import base
from migrator_scheduler.triggers import jitter as jitter_mod

MAX_WINDOW = 86400
MAX_JITTER = 3600
_BITS = 53
_MICROSECONDS = 1_000_000


@dataclasses.dataclass(frozen=True)
class Spread:
    """The spreading of a rule, in whole seconds (0: none)."""

    window: int = 0
    jitter: int = 0

    def __bool__(self) -> bool:
        return bool(self.window or self.jitter)

    @property
    def longest(self) -> datetime.timedelta:
        """An upper bound (excluded) of every offset."""
        return datetime.timedelta(seconds=self.window + self.jitter)


def effective(window: int | None, jitter: int | None,
              default: Spread) -> Spread:
    """The spreading of a rule whose columns may be NULL (the defaults)."""
    return Spread(default.window if window is None else window,
                  default.jitter if jitter is None else jitter)


def window_fraction(rule_id: str) -> float:
    """The rule's place in its window, in [0, 1), the same for every
    fire time."""
    # Prefixed so that it does not follow the rule's bucket, which is
    # taken from the digest of the bare id.
    digest = hashlib.sha256(f'spread\n{rule_id}'.encode()).digest()
    return (int.from_bytes(digest[:8], 'big') >> (64 - _BITS)) / (1 << _BITS)


def offset(rule_id: str, nominal: datetime.datetime,
           spread: Spread) -> datetime.timedelta:
    """The delay of the run of ``rule_id`` at ``nominal``.

    ``window * h1(rule id) + jitter * h2(rule id, nominal)``, truncated
    to microseconds: in ``[0, window + jitter)``.
    """
    if not spread:
        return datetime.timedelta(0)
    micros = int(window_fraction(rule_id) * spread.window * _MICROSECONDS)
    if spread.jitter:
        micros += int(jitter_mod.jitter_offset(
            rule_id, nominal, spread.jitter) * _MICROSECONDS)
    return datetime.timedelta(microseconds=micros)


def start_time(rule_id: str, nominal: datetime.datetime, spread: Spread,
               catch_up_at: datetime.datetime | None = None
               ) -> datetime.datetime:
    """When the run of ``rule_id`` at ``nominal`` may start.

    :param catch_up_at: for a catch-up run (a fire time found later than
        its misfire grace time), when it was fired: its offset is then
        counted from that instant, not from its nominal time, so the
        runs a scheduler catches up together after an outage are spread
        over the window again instead of all starting at once.
    """
    nominal = base.as_utc(nominal, 'nominal')
    origin = nominal if catch_up_at is None else max(
        nominal, base.as_utc(catch_up_at, 'catch_up_at'))
    return origin + offset(rule_id, nominal, spread)


def start_after(rule_id: str, nominal: datetime.datetime, spread: Spread,
                catch_up_at: datetime.datetime | None = None
                ) -> datetime.datetime | None:
    """The ``start_after`` column of a run: None when it is the nominal
    time (no spreading)."""
    if not spread:
        return None
    return start_time(rule_id, nominal, spread, catch_up_at)
