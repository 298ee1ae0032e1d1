"""Column types shared by the models and the migrations."""

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime stored as a naive UTC timestamp.

    Microseconds are kept on every backend (MySQL needs ``DATETIME(6)``
    for that): lag is measured in milliseconds.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ('mysql', 'mariadb'):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given where UTC is required')
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=datetime.timezone.utc)
