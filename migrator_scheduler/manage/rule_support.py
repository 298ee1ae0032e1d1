"""What the ``rule`` commands of migrator-scheduler-manage share."""

import datetime
import functools
import sys

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler import exception
from migrator_scheduler.manage import common
from migrator_scheduler.rules import drivers
from migrator_scheduler.rules import spec
from migrator_scheduler import triggers
from migrator_scheduler.triggers import spread as spread_mod

PAGE = 1000


def with_database(func):
    """Check the schema and bucket count before a rule command."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        db_api.require_current_schema()
        # Refuses a changed [scheduler] num_buckets before any rule is
        # written with buckets computed from it.
        db_api.ensure_num_buckets(CONF.scheduler.num_buckets)
        return func(*args, **kwargs)
    return wrapper


def now() -> datetime.datetime:
    """Return the current time (UTC)."""
    return datetime.datetime.now(datetime.timezone.utc)


def defaults() -> spec.RuleDefaults:
    """Return what rule validation needs from the configuration."""
    job_types = drivers.installed_job_types()
    return spec.RuleDefaults(
        num_buckets=CONF.scheduler.num_buckets, job_types=job_types,
        check_job_args=drivers.check_job_args if job_types else None)


def default_spread() -> spread_mod.Spread:
    """Return the spreading of rules that set none."""
    return spread_mod.Spread(CONF.scheduler.default_spread_window,
                             CONF.scheduler.default_jitter)


def all_rules(project_id: str | None = None):
    """Yield every stored rule, or those of one project, page by page."""
    marker = None
    while True:
        page = db_api.list_rules(project_id, limit=PAGE, marker=marker)
        yield from page
        if len(page) < PAGE:
            return
        marker = page[-1]['id']


def lookup_rule(reference: str) -> dict:
    """Return the rule ``reference`` names: its id, or ``PROJECT/NAME``.

    An id is tried first; a reference with a slash is then read as the
    project up to the first slash and the rule's name after it.

    :raises RuleNotFound: no rule has this id or project and name.
    """
    try:
        return db_api.get_rule(reference)
    except exception.RuleNotFound:
        if '/' not in reference:
            raise
    project_id, name = reference.split('/', 1)
    return db_api.find_rule(project_id, name)


def warn(message: str) -> None:
    """Tell the operator about something that is not an error."""
    print(f'WARNING: {message}', file=sys.stderr)


def note(message: str) -> None:
    """Print information for the operator beside the command's result."""
    print(message, file=sys.stderr)


RULE_ID_ARG = common.arg('rule_id', metavar='ID', help='Id of the rule.')
PROJECT_ARG = common.arg('--project-id', metavar='PROJECT',
                         help='Only rules of this project.')


def format_arg(choices: tuple[str, ...], default: str) -> common.Arg:
    """Describe the ``--format`` option of a command."""
    return common.arg('--format', dest='fmt', choices=choices,
                      default=default,
                      help=f'Output format (default: {default}).')


def trigger_args(required: bool) -> list[common.Arg]:
    """Describe the options that define a trigger."""
    return [
        common.arg('--trigger-kind', required=required, metavar='KIND',
                   help=f'One of: {", ".join(triggers.TRIGGER_KINDS)}.'),
        common.arg('--expression', required=required, metavar='EXPR',
                   help='Cron expression, interval (e.g. 30s, 5m) or '
                   'one-shot date-time, depending on the kind.'),
        common.arg('--timezone', metavar='ZONE',
                   help='IANA time zone (default: UTC).'),
        common.arg('--start-at', metavar='ISO8601',
                   help='No fire time before this; needs a UTC offset.'),
        common.arg('--end-at', metavar='ISO8601',
                   help='No fire time after this; needs a UTC offset.'),
    ]
