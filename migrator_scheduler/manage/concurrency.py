"""``migrator-scheduler-manage concurrency``: limits of concurrency keys."""

from __future__ import annotations

import argparse

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.manage import output
from migrator_scheduler.manage import rule_support
from migrator_scheduler.manage import runs as run_commands
from migrator_scheduler.rules import concurrency

HELP = ('Limits of concurrency keys: how many runs sharing a key run at '
        'once.')
MAX_LIMIT = 100000


def _key(key: str) -> str:
    if not key or len(key) > concurrency.MAX_KEY_LENGTH:
        raise exception.InvalidInput(
            'KEY', f'must have 1 to {concurrency.MAX_KEY_LENGTH} characters')
    return key


@run_commands.with_schema
def list_(fmt: str) -> None:
    """Print every key with its limit and how many runs use it."""
    default = CONF.executor.concurrency_limit
    limits = db_api.list_concurrency_limits()
    for item in limits:
        item['default'] = item['max_running'] is None
        if item['max_running'] is None:
            item['max_running'] = default
    if fmt == 'table':
        print(output.table(
            ['Key', 'Limit', 'Running', 'Waiting'],
            [[i['key'], f"{i['max_running']}{' (default)' * i['default']}",
              i['running'], i['waiting']] for i in limits]))
    else:
        print(output.dump(limits, fmt))


@run_commands.with_schema
def set_(key: str, limit: int) -> None:
    """Give a key its own limit."""
    if not 1 <= limit <= MAX_LIMIT:
        raise exception.InvalidInput('LIMIT',
                                     f'must be between 1 and {MAX_LIMIT}')
    db_api.set_concurrency_limit(_key(key), limit)


@run_commands.with_schema
def unset(key: str) -> None:
    """Give a key the default limit again."""
    db_api.set_concurrency_limit(_key(key), None)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    common.add_command(subparsers, 'list', list_,
                       'List concurrency keys, their limits and use.', [
                           rule_support.format_arg(output.FORMATS, 'table')])
    common.add_command(subparsers, 'set', set_,
                       'Set the limit of a concurrency key.', [
                           common.arg('key', help='The rendered key, e.g. '
                                      'cloud-east.'),
                           common.arg('limit', type=int,
                                      help='Runs of the key running at '
                                      'once, at most.')])
    common.add_command(subparsers, 'unset', unset,
                       'Give a key [executor] concurrency_limit again.', [
                           common.arg('key', help='The rendered key.')])
