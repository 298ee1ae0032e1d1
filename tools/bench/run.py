#!/usr/bin/env python3
"""Benchmark migrator-scheduler: ``python tools/bench/run.py --help``.

Needs this machine's RabbitMQ and PostgreSQL and Debian's ZooKeeper
package, as the functional tests do; see
``doc/source/admin/benchmarks.rst``.
"""

import os
import sys
import warnings

# The harness package lives next to this script.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# futurist imports eventlet, if installed, which warns of its deprecation;
# nothing here uses it.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from msbench import runner  # noqa: E402

if __name__ == '__main__':
    sys.exit(runner.main())
