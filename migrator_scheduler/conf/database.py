"""Options of the ``[database]`` group (provided by oslo.db)."""

from oslo_config import cfg
from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/migrator_scheduler.sqlite'


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts() -> dict:
    return {group: opts for group, opts in db_options.list_opts()}
