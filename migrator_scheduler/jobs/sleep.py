"""A job that sleeps: simulates a long-running job in tests and benchmarks."""

import threading

from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import noop


class SleepJob(base.JobDriver):
    """Sleeps ``seconds`` (default 1), then behaves like ``noop``."""

    def __init__(self) -> None:
        self._noop = noop.NoopJob()
        # An Event rather than time.sleep: interruptible if ever needed,
        # and green under eventlet's monkey patching alike.
        self._never = threading.Event()

    def execute(self, run: dict, args: dict) -> dict | None:
        seconds = float(args.get('seconds', 1))
        if seconds < 0:
            raise ValueError('seconds must not be negative')
        self._never.wait(seconds)
        self._noop.execute(run, args)
        return {'slept': seconds}
