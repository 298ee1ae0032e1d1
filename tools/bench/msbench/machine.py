"""A description of the machine and servers a run measured."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys

from migrator_scheduler.tests.functional.fixtures import zookeeper


def _first(path: str, pattern: str) -> str | None:
    try:
        with open(path) as f:
            match = re.search(pattern, f.read(), re.MULTILINE)
    except OSError:
        return None
    return match.group(1).strip() if match else None


def _rabbitmq_version() -> str | None:
    ctl = shutil.which('rabbitmqctl') or shutil.which(
        'rabbitmqctl', path='/usr/sbin:/usr/local/sbin:/sbin')
    if not ctl:
        return None
    try:
        out = subprocess.run([ctl, '-q', 'version'], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip() or None


def describe(servers) -> dict:
    """Hardware, OS, Python and server versions, for the report."""
    memory_kb = _first('/proc/meminfo', r'^MemTotal:\s+(\d+)')
    zk_stat = zookeeper.four_letter_word(
        servers.zookeeper.host, servers.zookeeper.port, 'srvr')
    # Debian's build leaves a placeholder for the git commit in it.
    zk_version = re.search(r'Zookeeper version: ([^,$\n-]+)', zk_stat)
    return {
        'nproc': len(os.sched_getaffinity(0)),
        'memory_gb': round(int(memory_kb) / 2 ** 20, 1) if memory_kb
        else None,
        'cpu_model': _first('/proc/cpuinfo', r'^model name\s*:\s*(.+)$'),
        'kernel': platform.release(),
        'python': sys.version.split()[0],
        'postgresql': servers.scalar('SHOW server_version'),
        'rabbitmq': _rabbitmq_version(),
        'zookeeper': zk_version.group(1) if zk_version else None,
        'loadavg_at_start': os.getloadavg(),
    }
