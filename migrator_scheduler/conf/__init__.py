"""Configuration of migrator-scheduler: one module per option group.

Importing this package registers every option on :data:`CONF`; it reads
nothing. Values are parsed by the entry points in ``cmd/``.
"""

from oslo_config import cfg
from oslo_log import log

from migrator_scheduler.conf import coordination
from migrator_scheduler.conf import database
from migrator_scheduler.conf import default
from migrator_scheduler.conf import executor
from migrator_scheduler.conf import http_job
from migrator_scheduler.conf import messaging
from migrator_scheduler.conf import openstack_snapshot
from migrator_scheduler.conf import scheduler

CONF = cfg.CONF

_MODULES = (default, scheduler, executor, coordination, database, messaging,
            http_job, openstack_snapshot)


def register_all(conf: cfg.ConfigOpts) -> None:
    """Register every option group of the project on ``conf``."""
    for module in _MODULES:
        module.register_opts(conf)
    log.register_options(conf)


register_all(CONF)
