"""Admission of claimed runs: overlap policies and concurrency limits.

When an executor claims runs, each is admitted (it starts), kept
``waiting``, or ``skipped``, in nominal-time order, in the claim's own
transaction:

* **overlap**: a run of a rule that has a run ``running`` already is,
  by the rule's policy, skipped (``skip``, reason ``overlap``), kept
  waiting for the running one to end (``queue_one``: one at most, later
  ones skipped), admitted anyway (``allow``), or kept waiting while the
  running one is asked to cancel (``cancel_previous``);
* **concurrency**: a run whose rule names a concurrency key starts only
  while fewer than the key's limit of runs with that key are running;
  otherwise it waits (reason ``concurrency``).

The active runs (pending, waiting, running) of the rules involved, then
the rows of the keys involved, are locked (``SELECT ... FOR UPDATE``, each
in sorted order) while the running runs are counted, so executors
claiming runs of one rule or key at the same time are serialised by the
database and a limit is never exceeded. Rules themselves are not locked:
firing skips locked rules, and must not wait for claims. A waiting run becomes
``pending`` again (with ``retry_at`` now, for the sweep to cast it) when
a run of its rule or key ends (:func:`promote`); the sweep also promotes
what a race left behind, so nothing waits for ever.
"""

from __future__ import annotations

import collections
import collections.abc
import dataclasses
import datetime
import json

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

from migrator_scheduler.db import models
from migrator_scheduler import exception
from migrator_scheduler.rules import concurrency

LOG = logging.getLogger(__name__)

OVERLAP_POLICIES = concurrency.OVERLAP_POLICIES
OVERLAP = 'overlap'
CONCURRENCY = 'concurrency'


@dataclasses.dataclass(frozen=True)
class Defaults:
    """The ``[executor]`` options rules fall back to."""

    overlap_policy: str = 'skip'
    concurrency_limit: int = 10


@dataclasses.dataclass
class Decisions:
    """What :func:`decide` made of the candidates."""

    #: ``{run id: rendered key or None}``
    admitted: dict[str, str | None] = dataclasses.field(default_factory=dict)
    #: ``{run id: reason}``
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    #: ``{run id: (reason, rendered key or None)}``
    waiting: dict[str, tuple[str, str | None]] = dataclasses.field(
        default_factory=dict)
    #: rules whose running runs are to be cancelled
    cancel_rules: set[str] = dataclasses.field(default_factory=set)


def _key_of(row, template: str | None) -> str | None:
    if not template:
        return None
    try:
        return concurrency.render(template, {
            'id': row.rule_id, 'name': row.rule_name,
            'project_id': row.project_id,
            'job_args': json.loads(row.job_args)})
    except (exception.InvalidInput, ValueError) as exc:
        # Checked when the rule was written; a rule stored before runs
        # unlimited rather than never.
        LOG.warning('Rule %s: concurrency key %r cannot be used (%s); its '
                    'run %s is not limited', row.rule_id, template, exc,
                    row.id)
        return None


def _lock_active_runs(session, rule_ids) -> list:
    """Lock and return the active runs of ``rule_ids``."""
    runs = models.runs
    return session.execute(sa.select(
        runs.c.id, runs.c.rule_id, runs.c.state, runs.c.reason).where(
            runs.c.rule_id.in_(sorted(rule_ids)),
            runs.c.state.in_(('pending', 'waiting', 'running'))).order_by(
                runs.c.id).with_for_update()).all()


# Keys known to have a row: inserting is then skipped.
_known_keys: set[str] = set()


def _ensure_keys(session, keys) -> None:
    """Give every key a row to lock (a concurrent insert of the same key
    is no error: its savepoint is rolled back)."""
    table = models.concurrency_limits
    missing = sorted(set(keys) - _known_keys)
    if not missing:
        return
    found = set(session.execute(sa.select(table.c.key).where(
        table.c.key.in_(missing))).scalars())
    for key in missing:
        if key not in found:
            try:
                with session.begin_nested():
                    session.execute(table.insert().values(key=key))
            except db_exc.DBDuplicateEntry:
                pass
    _known_keys.update(missing)


def _lock_keys(session, keys, default_limit: int
               ) -> tuple[dict[str, int], set[str]]:
    """Lock the rows of ``keys``; return their limits, and the keys
    that have no row."""
    table = models.concurrency_limits
    rows = session.execute(sa.select(table.c.key, table.c.max_running).where(
        table.c.key.in_(sorted(keys))).order_by(
            table.c.key).with_for_update()).all()
    limits = dict.fromkeys(keys, default_limit)
    limits.update({row.key: row.max_running for row in rows
                   if row.max_running is not None})
    return limits, set(keys) - {row.key for row in rows}


def _running(session, column, values) -> collections.Counter:
    runs = models.runs
    counts = collections.Counter()
    if values:
        for value, count in session.execute(
                sa.select(column, sa.func.count()).where(
                    column.in_(sorted(values)),
                    runs.c.state == 'running').group_by(column)):
            counts[value] = count
    return counts


def _running_locked(session, keys) -> collections.Counter:
    """Count the running runs of ``keys`` with a locking read.

    A plain read would see the snapshot of the transaction's first read
    under MySQL's REPEATABLE READ, from before the key's lock was
    obtained: the runs admitted meanwhile by another executor would not
    be counted. A locking read sees the latest committed rows.
    """
    runs = models.runs
    counts = collections.Counter()
    if keys:
        counts.update(session.execute(sa.select(
            runs.c.concurrency_key).where(
                runs.c.concurrency_key.in_(sorted(keys)),
                runs.c.state == 'running').with_for_update(
                    read=True)).scalars())
    return counts


def decide(session, candidates: collections.abc.Sequence,
           defaults: Defaults) -> Decisions:
    """Admit, keep waiting or skip ``candidates``, under locks.

    :param candidates: rows with ``id``, ``rule_id``, ``rule_name``,
        ``project_id``, ``job_args`` (JSON), ``overlap_policy`` and
        ``concurrency_key`` (the rule's template), in nominal-time order.
    """
    decisions = Decisions()
    policy = {row.id: row.overlap_policy or defaults.overlap_policy
              for row in candidates}
    keys = {row.id: _key_of(row, row.concurrency_key) for row in candidates}
    guarded = {row.rule_id for row in candidates
               if policy[row.id] != 'allow'}
    wanted_keys = {key for key in keys.values() if key}
    by_rule: collections.Counter = collections.Counter()
    queued, still_pending = set(), None
    if guarded:
        active = _lock_active_runs(session, guarded)
        still_pending = {row.id for row in active if row.state == 'pending'}
        for row in active:
            if row.state == 'running':
                by_rule[row.rule_id] += 1
            elif row.state == 'waiting' and row.reason and \
                    row.reason.startswith(OVERLAP):
                queued.add(row.rule_id)
    limits = {}
    if wanted_keys:
        _ensure_keys(session, wanted_keys)
        limits, missing = _lock_keys(session, wanted_keys,
                                     defaults.concurrency_limit)
        if missing:
            # Known to this process, yet gone (another database, a
            # restore): insert them, then lock them too.
            _known_keys.difference_update(missing)
            _ensure_keys(session, missing)
            limits, _ = _lock_keys(session, wanted_keys,
                                   defaults.concurrency_limit)
    by_key = _running_locked(session, wanted_keys)
    for row in candidates:
        run_policy, key = policy[row.id], keys[row.id]
        if run_policy != 'allow' and row.id not in still_pending:
            continue  # claimed by another executor meanwhile
        if run_policy != 'allow' and by_rule[row.rule_id]:
            if run_policy == 'skip' or row.rule_id in queued:
                decisions.skipped[row.id] = OVERLAP
                continue
            queued.add(row.rule_id)
            reason = OVERLAP
            if run_policy == 'cancel_previous':
                decisions.cancel_rules.add(row.rule_id)
                reason = f'{OVERLAP}: cancelling the running run'
            decisions.waiting[row.id] = (reason, key)
            continue
        if key is not None and by_key[key] >= limits[key]:
            decisions.waiting[row.id] = (
                f'{CONCURRENCY}: {limits[key]} running with key {key}'[:255],
                key)
            continue
        decisions.admitted[row.id] = key
        if run_policy != 'allow':
            by_rule[row.rule_id] += 1
        if key is not None:
            by_key[key] += 1
    return decisions


def apply(session, decisions: Decisions, now: datetime.datetime) -> None:
    """Write the skipped, waiting and cancelled runs of ``decisions``."""
    runs = models.runs
    pending = runs.c.state == 'pending'
    for run_id, reason in decisions.skipped.items():
        session.execute(runs.update().where(runs.c.id == run_id, pending)
                        .values(state='skipped', reason=reason,
                                finished_at=now))
    for run_id, (reason, key) in decisions.waiting.items():
        session.execute(runs.update().where(runs.c.id == run_id, pending)
                        .values(state='waiting', reason=reason,
                                concurrency_key=key, dispatched_at=None,
                                retry_at=None))
    if decisions.cancel_rules:
        session.execute(runs.update().where(
            runs.c.rule_id.in_(sorted(decisions.cancel_rules)),
            runs.c.state == 'running',
            runs.c.cancel_requested_at.is_(None)).values(
                cancel_requested_at=now))


def promote(session, rule_ids: collections.abc.Collection[str],
            keys: collections.abc.Collection[str], now: datetime.datetime,
            defaults: Defaults) -> list[dict]:
    """Make ``pending`` the waiting runs of ``rule_ids`` and ``keys`` that
    could start now, oldest first; return them (to be cast).

    No lock is taken: the claim admits or keeps waiting again under its
    locks, so promoting one run too many costs a round trip, not a limit.
    """
    runs = models.runs
    conditions = []
    if rule_ids:
        conditions.append(runs.c.rule_id.in_(sorted(rule_ids)))
    if keys:
        conditions.append(runs.c.concurrency_key.in_(sorted(keys)))
    if not conditions:
        return []
    rows = session.execute(sa.select(
        runs.c.id, runs.c.rule_id, runs.c.bucket, runs.c.scheduled_for,
        runs.c.reason, runs.c.concurrency_key).where(
            runs.c.state == 'waiting', sa.or_(*conditions)).order_by(
                runs.c.scheduled_for)).all()
    if not rows:
        return []
    waiting_rules = {row.rule_id for row in rows}
    waiting_keys = {row.concurrency_key for row in rows
                    if row.concurrency_key}
    by_rule = _running(session, runs.c.rule_id, waiting_rules)
    # A run promoted before and not started yet holds its rule's turn.
    by_rule.update(session.execute(sa.select(runs.c.rule_id).where(
        runs.c.rule_id.in_(sorted(waiting_rules)),
        runs.c.state == 'pending',
        runs.c.reason.like(f'{OVERLAP}%'))).scalars())
    by_key = _running(session, runs.c.concurrency_key, waiting_keys)
    limits = _limits(session, waiting_keys, defaults.concurrency_limit)
    promoted = []
    for row in rows:
        if row.reason.startswith(OVERLAP) and by_rule[row.rule_id]:
            continue
        key = row.concurrency_key
        if key and by_key[key] >= limits[key]:
            continue
        if session.execute(runs.update().where(
                runs.c.id == row.id, runs.c.state == 'waiting').values(
                    state='pending', retry_at=now,
                    dispatched_at=None)).rowcount:
            by_rule[row.rule_id] += 1
            if key:
                by_key[key] += 1
            promoted.append({'id': row.id, 'rule_id': row.rule_id,
                             'bucket': row.bucket,
                             'scheduled_for': row.scheduled_for})
    return promoted


def _limits(session, keys, default_limit: int) -> dict[str, int]:
    table = models.concurrency_limits
    limits = dict.fromkeys(keys, default_limit)
    if keys:
        limits.update({row.key: row.max_running for row in session.execute(
            sa.select(table.c.key, table.c.max_running).where(
                table.c.key.in_(sorted(keys))))
            if row.max_running is not None})
    return limits


def set_limit(session, key: str, max_running: int | None,
              now: datetime.datetime) -> None:
    """Give ``key`` its own limit; None: back to the default."""
    table = models.concurrency_limits
    if session.execute(table.update().where(table.c.key == key).values(
            max_running=max_running, updated_at=now)).rowcount:
        return
    session.execute(table.insert().values(
        key=key, max_running=max_running, updated_at=now))


def list_limits(session) -> list[dict]:
    """Every key with a row: its limit (None: default) and the runs of it
    running and waiting now."""
    limits, runs = models.concurrency_limits, models.runs
    counts: dict = collections.defaultdict(collections.Counter)
    for key, state, count in session.execute(sa.select(
            runs.c.concurrency_key, runs.c.state, sa.func.count()).where(
                runs.c.concurrency_key.is_not(None),
                runs.c.state.in_(('running', 'waiting'))).group_by(
                    runs.c.concurrency_key, runs.c.state)):
        counts[key][state] = count
    return [{'key': row.key, 'max_running': row.max_running,
             'running': counts[row.key]['running'],
             'waiting': counts[row.key]['waiting']}
            for row in session.execute(sa.select(limits).order_by(
                limits.c.key))]
