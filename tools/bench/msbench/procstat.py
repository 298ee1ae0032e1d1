"""CPU time and resident memory of processes, read from ``/proc``."""

from __future__ import annotations

import os
import time

_TICKS = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds ``pid`` used so far (all threads)."""
    with open(f'/proc/{pid}/stat') as f:
        stat = f.read()
    # Fields after the command name, which is in parentheses and may
    # contain spaces: utime and stime are the 12th and 13th of them.
    fields = stat[stat.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (``VmRSS``)."""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def sample(pids: dict[str, int], seconds: float,
           interval: float = 1.0) -> dict[str, dict]:
    """Watch ``{name: pid}`` for ``seconds``.

    :returns: ``{name: {cpu_percent, rss_mb_start, rss_mb_end,
        rss_mb_max, rss_mb_series}}``; CPU is percent of one core.
    """
    start = time.monotonic()
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    series: dict[str, list[float]] = {name: [] for name in pids}
    while True:
        for name, pid in pids.items():
            series[name].append(rss_bytes(pid) / 2 ** 20)
        left = start + seconds - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(interval, left))
    elapsed = time.monotonic() - start
    result = {}
    for name, pid in pids.items():
        used = cpu_seconds(pid) - cpu0[name]
        rss = series[name]
        result[name] = {
            'cpu_percent': 100.0 * used / elapsed,
            'rss_mb_start': rss[0],
            'rss_mb_end': rss[-1],
            'rss_mb_max': max(rss),
            'rss_mb_series': [round(v, 2) for v in rss],
        }
    return result
