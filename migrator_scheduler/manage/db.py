"""``migrator-scheduler-manage db``: schema management."""

import argparse

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler.manage import common

HELP = 'Database schema management.'


def sync() -> None:
    """Upgrade the schema to the newest revision and record num_buckets."""
    migration.upgrade()
    # Recorded at sync time so the first scheduler, API or import cannot
    # each record a different value from their own configuration.
    db_api.ensure_num_buckets(CONF.scheduler.num_buckets)
    print(migration.version())


def version() -> None:
    """Print the current schema revision, or ``none`` before db sync."""
    print(migration.version() or 'none')


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(
        subparsers, 'sync', sync,
        'Upgrade the database schema to the newest revision, record '
        '[scheduler] num_buckets and print the revision.')
    common.add_command(
        subparsers, 'version', version,
        'Print the current database schema revision.')
