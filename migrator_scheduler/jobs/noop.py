"""A job that does nothing, optionally leaving a trace of each execution."""

from __future__ import annotations

import os

from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import context as context_mod

RECORD_SCHEMA = {'type': 'string', 'minLength': 1, 'maxLength': 4096}


def record(context: context_mod.JobContext, path: str) -> None:
    """Append ``<run id> <rule id> <nominal time ISO> <attempt>`` to
    ``path``."""
    line = '%s %s %s %d\n' % (
        context.run_id, context.rule_id, context.scheduled_for.isoformat(),
        context.attempt)
    # One write() on an O_APPEND descriptor: lines from concurrent
    # executors and processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode('utf-8'))
    finally:
        os.close(fd)


class NoopJob(base.JobDriver):
    """Does nothing. With ``record: PATH`` in its arguments, appends one
    line per execution to PATH: ``<run id> <rule id> <nominal time ISO>
    <attempt>``. Tests and benchmarks count those lines to prove what
    really ran.
    """

    args_schema = {
        'type': 'object',
        'properties': {'record': RECORD_SCHEMA},
        'additionalProperties': False,
    }

    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        if args.get('record'):
            record(context, args['record'])
        return None
