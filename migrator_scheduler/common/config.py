"""Parsing of the command line and configuration files."""

from oslo_log import log as logging
from oslo_service import service

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.conf import opts
from migrator_scheduler import version

DOMAIN = 'migrator-scheduler'


def version_string() -> str:
    """Return the package version, or ``unknown`` outside a package."""
    try:
        return version.version_info.version_string()
    except Exception:
        # pbr raises a bare Exception without package metadata, as when
        # running from a source tree; --version is all it costs.
        return 'unknown'


def parse_args(argv: list[str], default_config_files=None) -> None:
    """Parse ``argv`` into the global CONF and set up logging."""
    conf = ms_conf.CONF
    opts.set_lib_defaults()
    conf(argv, project='migrator-scheduler', version=version_string(),
         default_config_files=default_config_files)
    logging.setup(conf, DOMAIN)


def run_service(argv: list[str], service_factory, name: str) -> None:
    """Parse ``argv``, then launch and wait for one oslo.service service.

    The service object is built before oslo.service forks its worker, so
    its constructor must not open connections or start threads.
    """
    parse_args(argv)
    logging.getLogger(__name__).info('Starting %s', name)
    conf = ms_conf.CONF
    launcher = service.launch(conf, service_factory(conf),
                              restart_method='mutate')
    launcher.wait()
