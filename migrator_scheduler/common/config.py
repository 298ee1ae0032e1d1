"""Parsing of the command line and configuration files."""

from oslo_log import log as logging

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.conf import opts
from migrator_scheduler import version

DOMAIN = 'migrator-scheduler'


def parse_args(argv: list[str], default_config_files=None) -> None:
    """Parse ``argv`` into the global CONF and set up logging."""
    conf = ms_conf.CONF
    opts.set_lib_defaults()
    conf(argv, project='migrator-scheduler',
         version=version.version_info.version_string(),
         default_config_files=default_config_files)
    logging.setup(conf, DOMAIN)
