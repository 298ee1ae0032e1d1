"""A job that sleeps: simulates a long-running job in tests and benchmarks."""

from __future__ import annotations

from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import noop


class SleepJob(base.JobDriver):
    """Sleeps ``seconds`` (default 1), then behaves like ``noop``.

    The sleep ends early, as a cancelled job, when the run is cancelled
    or reaches its deadline.
    """

    args_schema = {
        'type': 'object',
        'properties': {
            'seconds': {'type': 'number', 'minimum': 0, 'maximum': 86400},
            'record': noop.RECORD_SCHEMA,
        },
        'additionalProperties': False,
    }

    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        seconds = float(args.get('seconds', 1))
        context.wait(seconds)
        if args.get('record'):
            noop.record(context, args['record'])
        return {'slept': seconds}
