"""Engine and transactions shared by the modules of the database API.

Callers outside ``migrator_scheduler.db`` use
:mod:`migrator_scheduler.db.api`, never this module.
"""

from __future__ import annotations

import collections.abc
import threading

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

from migrator_scheduler.db.types import UTCDateTime

# Statements with a list of ids are cut to this size: some drivers and
# backends limit the number of bind parameters per statement.
CHUNK = 500

_lock = threading.Lock()
_context_manager = None


@enginefacade.transaction_context_provider
class _Context:
    """A transaction holder for enginefacade; one per API call."""


def _manager() -> enginefacade._TransactionContextManager:
    global _context_manager
    with _lock:
        if _context_manager is None:
            manager = enginefacade.transaction_context()
            manager.configure(sqlite_fk=True)
            engine = manager.writer.get_engine()
            if engine.dialect.name == 'sqlite':
                _begin_sqlite_immediately(engine)
            _context_manager = manager
        return _context_manager


def _begin_sqlite_immediately(engine: sa.engine.Engine) -> None:
    """Make every SQLite transaction take the write lock at BEGIN.

    SQLite fails at once (no busy wait) when a transaction that has read
    tries to write while another one writes. Taking the lock at BEGIN
    makes the concurrent transactions of the all-in-one mode queue on the
    busy timeout instead. oslo.db emits a plain BEGIN from its own
    listener unless a marker is set, so ours must run first.
    """
    others = list(engine.dispatch.begin)
    for listener in others:
        sa.event.remove(engine, 'begin', listener)
    sa.event.listen(engine, 'begin', _sqlite_begin_immediate)
    for listener in others:
        sa.event.listen(engine, 'begin', listener)


def _sqlite_begin_immediate(conn) -> None:
    if 'in_transaction' not in conn.info:
        conn.exec_driver_sql('BEGIN IMMEDIATE')
        conn.info['in_transaction'] = True


def reset() -> None:
    """Forget the engine; the next call builds one from configuration.

    Used after ``fork`` and by tests that point at another database.
    """
    global _context_manager
    with _lock:
        old, _context_manager = _context_manager, None
    if old is not None:
        try:
            old.dispose_pool()
        except AttributeError:
            pass


def get_engine() -> sa.engine.Engine:
    """Return the writer engine (for migrations and admin commands)."""
    return _manager().writer.get_engine()


def writer():
    """A write transaction: ``with writer() as session: ...``."""
    return _manager().writer.using(_Context())


def reader():
    """A read-only transaction: ``with reader() as session: ...``."""
    return _manager().reader.using(_Context())


retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=5, retry_on_deadlock=True, retry_interval=0.1,
    inc_retry_interval=True)


def chunks(items: collections.abc.Sequence, size: int = CHUNK):
    """Yield ``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def utc_param(value) -> sa.BindParameter:
    """A bound datetime typed as UTC."""
    # Typed explicitly: inside CASE, an untyped aware datetime would reach
    # the driver as-is and be converted with the session time zone.
    return sa.bindparam(None, value, type_=UTCDateTime)
