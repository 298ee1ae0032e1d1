"""``migrator-scheduler-executor``: runs the jobs schedulers cast."""

import sys

from migrator_scheduler.common import config
from migrator_scheduler.executor import service


def main() -> None:
    config.run_service(sys.argv[1:], service.ExecutorService,
                       'migrator-scheduler-executor')
