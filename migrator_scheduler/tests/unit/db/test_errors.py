"""Tests of the classification of database errors."""

from oslo_db import exception as db_exc
import pytest
from sqlalchemy import exc as sa_exc

from migrator_scheduler.db import errors


def _dbapi(cls, invalidated=False):
    return cls('SELECT 1', {}, Exception('boom'),
               connection_invalidated=invalidated)


@pytest.mark.parametrize('exc', [
    db_exc.DBConnectionError('gone'),
    db_exc.DBDeadlock('deadlock'),
    _dbapi(sa_exc.OperationalError),
    _dbapi(sa_exc.InterfaceError),
    _dbapi(sa_exc.ProgrammingError, invalidated=True),
    db_exc.DBError(_dbapi(sa_exc.OperationalError)),
], ids=lambda exc: type(exc).__name__)
def test_unreachable(exc):
    assert errors.is_unreachable(exc)


@pytest.mark.parametrize('exc', [
    ValueError('bad'),
    db_exc.DBDuplicateEntry(['id']),
    db_exc.DBError(ValueError('bad')),
    _dbapi(sa_exc.IntegrityError),
    _dbapi(sa_exc.ProgrammingError),
], ids=lambda exc: type(exc).__name__)
def test_lasting(exc):
    assert not errors.is_unreachable(exc)
