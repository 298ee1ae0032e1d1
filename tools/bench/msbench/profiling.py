"""Optional sampling profiles of the services with ``py-spy``.

With ``--profile``, ``py-spy record`` samples each scheduler and
executor worker while a burst round or the quiet load runs and writes
collapsed stacks (``<label>-<process>.txt``, flame graph input) to the
run's folder. Idle threads are sampled too, so a thread's samples show
where its wall-clock time goes, waits included. :func:`top` sums them
per function for a quick look.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys

LOG = logging.getLogger(__name__)


def _py_spy() -> str | None:
    return shutil.which('py-spy') or shutil.which(
        'py-spy', path=os.path.dirname(sys.executable))


class Profiler:
    """Starts and stops ``py-spy record`` around a measurement."""

    def __init__(self, directory: str, enabled: bool,
                 idle: bool = True) -> None:
        self.directory = directory
        self.idle = idle
        self.binary = _py_spy() if enabled else None
        if enabled and not self.binary:
            LOG.warning('py-spy not found (pip install py-spy): no profiles')

    @contextlib.contextmanager
    def recording(self, label: str, pids: dict[str, int]):
        """Sample ``{name: pid}`` (all threads) while the block runs."""
        if not self.binary:
            yield
            return
        recorders = []
        for name, pid in pids.items():
            output = os.path.join(self.directory, f'{label}-{name}.txt')
            command = [self.binary, 'record', '--pid', str(pid), '--rate',
                       '200', '--format', 'raw', '--output', output,
                       '--nonblocking', '--threads']
            if self.idle:
                command.append('--idle')
            recorders.append(subprocess.Popen(
                command, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        try:
            yield
        finally:
            for recorder in recorders:
                recorder.send_signal(signal.SIGINT)
            for recorder in recorders:
                try:
                    recorder.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    recorder.kill()


def top(path: str, thread: str = '',
        limit: int = 25) -> list[tuple[str, float]]:
    """``[(function, share of samples)]`` with the most samples *in*
    them (self plus callees), from a collapsed-stacks file, for the
    threads whose name contains ``thread``."""
    inclusive: collections.Counter = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(' ')
            if thread not in stack.split(';', 1)[0]:
                continue
            samples = int(count)
            total += samples
            for frame in set(stack.split(';')):
                inclusive[frame] += samples
    return [(frame, n / total) for frame, n in
            inclusive.most_common(limit)] if total else []
