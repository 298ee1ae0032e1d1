"""A job that does nothing, optionally leaving a trace of each execution."""

import os

from migrator_scheduler.jobs import base


class NoopJob(base.JobDriver):
    """Does nothing. With ``record: PATH`` in its arguments, appends one
    line per execution to PATH: ``<run id> <rule id> <nominal time ISO>
    <attempt>``. Tests and benchmarks count those lines to prove what
    really ran.
    """

    def execute(self, run: dict, args: dict) -> dict | None:
        path = args.get('record')
        if path:
            line = '%s %s %s %d\n' % (
                run['id'], run['rule_id'], run['scheduled_for'].isoformat(),
                run['attempt'])
            # One write() on an O_APPEND descriptor: lines from concurrent
            # executors and processes never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode('utf-8'))
            finally:
                os.close(fd)
        return None
