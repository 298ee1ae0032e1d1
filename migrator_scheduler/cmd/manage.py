"""``migrator-scheduler-manage``: one-shot administration commands.

Usage: ``migrator-scheduler-manage [--config-file F] CATEGORY COMMAND ...``
"""

import argparse
import logging as std_logging
import sys

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging

from migrator_scheduler.common import config
from migrator_scheduler.conf import CONF
from migrator_scheduler.conf import opts
from migrator_scheduler import exception
from migrator_scheduler.manage import cluster as cluster_commands
from migrator_scheduler.manage import common
from migrator_scheduler.manage import concurrency as concurrency_commands
from migrator_scheduler.manage import db as db_commands
from migrator_scheduler.manage import rules as rule_commands
from migrator_scheduler.manage import runs as run_commands

DOMAIN = 'migrator-scheduler'

# Each category is a module of migrator_scheduler.manage providing HELP
# and add_parsers(subparsers); a new category is one more entry here.
CATEGORIES = {
    'db': db_commands,
    'rule': rule_commands,
    'run': run_commands,
    'cluster': cluster_commands,
    'concurrency': concurrency_commands,
}

# Errors caused by the operator's input or environment: reported in one
# line, without a traceback.
_USER_ERRORS = (exception.MigratorSchedulerError, OSError, cfg.Error)


def _add_categories(subparsers: argparse._SubParsersAction) -> None:
    for name, module in CATEGORIES.items():
        parser = subparsers.add_parser(name, help=module.HELP,
                                       description=module.HELP)
        commands = parser.add_subparsers(title='commands', dest='command')
        commands.required = True
        module.add_parsers(commands)


category_opt = cfg.SubCommandOpt(
    'category', title='Command categories',
    help='Available categories', handler=_add_categories)


def _setup_logging() -> None:
    logging.setup(CONF, DOMAIN)
    if not CONF.debug:
        # Command output is the product here: only problems are logged.
        std_logging.getLogger().setLevel(std_logging.WARNING)


def _error(message: str) -> int:
    print(f'ERROR: {message}', file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run one manage command; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    CONF.register_cli_opt(category_opt)
    opts.set_lib_defaults()
    # Keep stdout for command output (``rule export`` writes files there).
    CONF.set_default('use_stderr', True)
    try:
        CONF(argv, project='migrator-scheduler',
             version=config.version_string())
    except cfg.Error as exc:
        return _error(str(exc))
    _setup_logging()
    try:
        return common.call_command(CONF.category) or 0
    except _USER_ERRORS as exc:
        return _error(str(exc))
    except db_exc.DBError as exc:
        return _error(f'database: {exc}')
