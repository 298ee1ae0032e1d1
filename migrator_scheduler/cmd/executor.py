"""``migrator-scheduler-executor``: runs the jobs schedulers cast."""

import sys

from oslo_log import log as logging
from oslo_service import service

from migrator_scheduler.common import config
from migrator_scheduler import conf as ms_conf
from migrator_scheduler.executor import service as executor_service

CONF = ms_conf.CONF


def main() -> None:
    config.parse_args(sys.argv[1:])
    logging.getLogger(__name__).info('Starting migrator-scheduler-executor')
    launcher = service.launch(
        CONF, executor_service.ExecutorService(CONF),
        restart_method='mutate')
    launcher.wait()
