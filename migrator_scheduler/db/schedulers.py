"""The database's clock, the schedulers' own reports, and what is overdue.

Used through :mod:`migrator_scheduler.db.api`, which re-exports every
public name here.
"""

from __future__ import annotations

import datetime
import json

import sqlalchemy as sa

from migrator_scheduler.db import models
from migrator_scheduler.db import session as db_session

UTC = datetime.timezone.utc

_REPORTED = ('host', 'pid', 'state', 'started_at', 'listed_at', 'members',
             'ring_fingerprint', 'owned_buckets', 'num_buckets',
             'ring_points', 'tz_version', 'clock_offset', 'fired_rules',
             'rescued_rules', 'rescued_runs', 'rejoins', 'code_version')


def _now_expression(dialect_name: str) -> sa.ColumnElement:
    """The server's current UTC time, as SQL the dialect understands."""
    if dialect_name == 'postgresql':
        # clock_timestamp(), not now(): the time of the statement, not of
        # the start of the transaction.
        return sa.func.timezone('UTC', sa.func.clock_timestamp())
    if dialect_name in ('mysql', 'mariadb'):
        return sa.func.utc_timestamp(6)
    return sa.func.strftime('%Y-%m-%d %H:%M:%f', 'now')


def _server_time(session) -> datetime.datetime:
    dialect = session.get_bind().dialect.name
    value = session.execute(sa.select(_now_expression(dialect))).scalar()
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def database_time() -> datetime.datetime:
    """Return the database server's current time (aware UTC)."""
    with db_session.reader() as session:
        return _server_time(session)


@db_session.retry_on_deadlock
def report_scheduler(member_id: str, report: dict) -> datetime.datetime:
    """Record a scheduler's view of the group, stamped with the server's
    clock; ``report`` holds the columns of ``schedulers`` but the key and
    ``reported_at`` (``members`` as a list).

    :returns: the server time written as ``reported_at``.
    """
    table = models.schedulers
    values = {key: report[key] for key in _REPORTED}
    values['members'] = json.dumps(sorted(report['members']))
    with db_session.writer() as session:
        values['reported_at'] = now = _server_time(session)
        updated = session.execute(table.update().where(
            table.c.member_id == member_id).values(**values)).rowcount
        if not updated:
            session.execute(table.insert().values(member_id=member_id,
                                                  **values))
    return now


@db_session.retry_on_deadlock
def remove_scheduler(member_id: str) -> None:
    """Forget a scheduler that stopped."""
    table = models.schedulers
    with db_session.writer() as session:
        session.execute(table.delete().where(table.c.member_id == member_id))


@db_session.retry_on_deadlock
def purge_schedulers(reported_before: datetime.datetime) -> int:
    """Forget schedulers silent since ``reported_before``; return how many."""
    table = models.schedulers
    with db_session.writer() as session:
        return session.execute(table.delete().where(
            table.c.reported_at < reported_before)).rowcount


def list_schedulers() -> list[dict]:
    """Return every scheduler's last report, ``members`` as a list."""
    table = models.schedulers
    with db_session.reader() as session:
        rows = session.execute(
            sa.select(table).order_by(table.c.host, table.c.member_id))
        reports = [dict(row._mapping) for row in rows]
    for report in reports:
        report['members'] = json.loads(report['members'])
    return reports


def overdue_summary(before: datetime.datetime) -> dict:
    """Count what should have happened by ``before`` and did not.

    :returns: ``rules`` (due by then, not fired) with ``oldest_rule``,
        and ``uncast_runs`` (due since then, never cast) with
        ``oldest_run``, the earliest time one of them was due (its
        ``start_after``, else its nominal time).
    """
    rules, runs = models.rules, models.runs
    with db_session.reader() as session:
        rule_count, oldest_rule = session.execute(sa.select(
            sa.func.count(), sa.func.min(rules.c.next_fire_at)).where(
                rules.c.next_fire_at <= before)).one()
        # A run waiting for its start time (spreading) is not late.
        due_at = models.run_due_at()
        run_count, oldest_run = session.execute(sa.select(
            sa.func.count(), sa.func.min(due_at)).where(
                runs.c.state == 'pending',
                runs.c.dispatched_at.is_(None),
                due_at <= before,
                # A retry waiting for its backoff is not late.
                sa.or_(runs.c.retry_at.is_(None),
                       runs.c.retry_at <= before))).one()
    return {'rules': rule_count, 'oldest_rule': oldest_rule,
            'uncast_runs': run_count, 'oldest_run': oldest_run}
