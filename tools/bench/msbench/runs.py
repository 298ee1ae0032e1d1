"""What the ``runs`` table and the record file say about a round.

Lags are measured from each run's nominal time (``scheduled_for``) to

* ``commit``: its ``created_at``, the time of the fire transaction that
  wrote it (committed a few milliseconds later);
* ``cast``: when the cast to the executors began (see
  :func:`cast_time`);
* ``start``: its ``started_at``, when an executor claimed it and started
  the job.
"""

from __future__ import annotations

import collections
import datetime
import time

import sqlalchemy as sa

from migrator_scheduler.db import models

from msbench import stats

FINAL = tuple(models.FINAL_RUN_STATES)


def fetch(engine: sa.engine.Engine, rule_ids=None) -> list[sa.Row]:
    """Every run (of ``rule_ids`` if given) with its times."""
    table = models.runs
    stmt = sa.select(table.c.rule_id, table.c.scheduled_for,
                     table.c.state, table.c.created_at,
                     table.c.dispatched_at, table.c.started_at)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if rule_ids is not None:
        wanted = set(rule_ids)
        rows = [r for r in rows if r.rule_id in wanted]
    return rows


def cast_time(row) -> datetime.datetime | None:
    """When the run was cast.

    A started run has the time the cast of its message began as
    ``dispatched_at``, never after its ``started_at``. Runs of older
    releases may lack it while their ``started_at`` proves the cast.
    """
    times = [t for t in (row.dispatched_at, row.started_at) if t]
    return min(times) if times else None


_EVENTS = {
    'commit': lambda row: row.created_at,
    'cast': cast_time,
    'start': lambda row: row.started_at,
}
LAG_KINDS = tuple(_EVENTS)


def lags_ms(rows, kind: str) -> list[float]:
    """Milliseconds from nominal time to event ``kind`` (one of
    :data:`LAG_KINDS`), for the runs where it happened."""
    event = _EVENTS[kind]
    lags = []
    for row in rows:
        when = event(row)
        if when is not None:
            lags.append((when - row.scheduled_for).total_seconds() * 1000)
    return lags


def lag_summaries(rows) -> dict[str, dict[str, float]]:
    """``{'commit'|'cast'|'start': {p50, p99, max}}`` in ms."""
    return {kind: stats.summary(lags_ms(rows, kind)) for kind in LAG_KINDS}


def last_event_s(rows, kind: str,
                 since: datetime.datetime) -> float:
    """Seconds from ``since`` to the last event ``kind`` of ``rows``."""
    event = _EVENTS[kind]
    times = [t for t in (event(r) for r in rows) if t is not None]
    if not times:
        return float('nan')
    return (max(times) - since).total_seconds()


def rate_per_s(rows, kind: str) -> float:
    """Events ``kind`` per second, from the first of ``rows`` to the last:
    how fast the schedulers committed (``commit``) or the executors
    started (``start``) the runs, wherever their nominal times lay."""
    event = _EVENTS[kind]
    times = [t for t in (event(r) for r in rows) if t is not None]
    if len(times) < 2:
        return float('nan')
    span = (max(times) - min(times)).total_seconds()
    return len(times) / span if span > 0 else float('nan')


def _wait_count(engine: sa.engine.Engine, statement, params: dict,
                expected: int, timeout: float, interval: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            count = conn.execute(statement, params).scalar()
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(interval)


def wait_finished(engine: sa.engine.Engine, expected: int, timeout: float,
                  interval: float = 0.5) -> int:
    """Wait until ``expected`` runs reached a final state (or timeout);
    return how many had."""
    statement = sa.text('SELECT count(*) FROM runs WHERE state IN :states'
                        ).bindparams(sa.bindparam('states', expanding=True))
    return _wait_count(engine, statement, {'states': list(FINAL)},
                       expected, timeout, interval)


def wait_cast(engine: sa.engine.Engine, expected: int, timeout: float,
              interval: float = 0.25) -> int:
    """Wait until ``expected`` runs were cast (see :func:`cast_time`)."""
    statement = sa.text('SELECT count(*) FROM runs WHERE dispatched_at IS '
                        'NOT NULL OR started_at IS NOT NULL')
    return _wait_count(engine, statement, {}, expected, timeout, interval)


def read_records(path: str) -> collections.Counter:
    """``Counter((rule_id, nominal ISO time))`` of the executions the
    noop job recorded."""
    counts: collections.Counter = collections.Counter()
    try:
        with open(path) as f:
            for line in f:
                _, rule_id, when, _ = line.split()
                counts[(rule_id, when)] += 1
    except FileNotFoundError:
        pass
    return counts


def exactly_once(expected: dict[str, datetime.datetime], rows,
                 records: collections.Counter) -> dict[str, int]:
    """Compare runs and executions with one fire time per rule.

    :param expected: ``{rule id: the one nominal time it must fire}``.
    :returns: ``duplicates`` (runs beyond one per rule and time),
        ``misses`` (rules without their run), ``wrong_time`` (runs at
        another nominal time), ``unfinished`` (runs not in a final
        state), ``executed_twice`` and ``not_executed`` (from the record
        file).
    """
    counts = collections.Counter((r.rule_id, r.scheduled_for) for r in rows)
    result = {
        'duplicates': sum(n - 1 for n in counts.values() if n > 1),
        'misses': sum(1 for rule_id, when in expected.items()
                      if (rule_id, when) not in counts),
        'wrong_time': sum(n for (rule_id, when), n in counts.items()
                          if expected.get(rule_id) != when),
        'unfinished': sum(1 for r in rows if r.state not in FINAL),
        'executed_twice': sum(n - 1 for n in records.values() if n > 1),
    }
    executed = {key for key in records}
    result['not_executed'] = sum(
        1 for rule_id, when in expected.items()
        if (rule_id, when.isoformat()) not in executed)
    return result
