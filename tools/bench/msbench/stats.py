"""Percentiles and medians of repeated measurements."""

from __future__ import annotations

import collections.abc
import math
import statistics


def percentile(values: collections.abc.Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation.

    ``nan`` for no values, so an empty measurement shows as such.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def quantiles(values: collections.abc.Sequence[float],
              points: int = 201) -> list[float]:
    """``points`` evenly spaced quantiles (min to max): a compact CDF."""
    if not values:
        return []
    ordered = sorted(values)
    last = len(ordered) - 1
    return [ordered[round(last * i / (points - 1))] for i in range(points)]


def summary(values: collections.abc.Sequence[float]) -> dict[str, float]:
    """``p50``, ``p99`` and ``max`` of ``values``."""
    return {
        'p50': percentile(values, 50),
        'p99': percentile(values, 99),
        'max': max(values) if values else math.nan,
    }


def median_of(rounds: list[dict]) -> dict:
    """The per-key median of the numbers of several rounds.

    Nested dicts are handled key by key; counters of faults (keys in
    :data:`SUMMED`) are summed instead, since a single duplicate in any
    round is a failure.
    """
    if not rounds:
        return {}
    merged: dict = {}
    for key, first in rounds[0].items():
        values = [r[key] for r in rounds if key in r]
        if isinstance(first, dict):
            merged[key] = median_of(values)
        elif isinstance(first, bool) or not isinstance(first, (int, float)):
            merged[key] = first
        elif key in SUMMED:
            merged[key] = sum(values)
        else:
            finite = [v for v in values if not math.isnan(v)]
            merged[key] = statistics.median(finite) if finite else math.nan
    return merged


# Fault counters: reported as totals over all rounds.
SUMMED = frozenset({'duplicates', 'misses', 'executed_twice',
                    'not_executed', 'wrong_time', 'unfinished',
                    'broker_lost', 'recast'})
