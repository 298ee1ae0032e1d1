"""``migrator-scheduler``: generates due runs and casts them."""

import sys

from migrator_scheduler.common import config
from migrator_scheduler.scheduler import service


def main() -> None:
    config.run_service(sys.argv[1:], service.SchedulerService,
                       'migrator-scheduler')
