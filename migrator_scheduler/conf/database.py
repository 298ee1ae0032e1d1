"""Options of the ``[database]`` group (provided by oslo.db)."""

import copy

from oslo_config import cfg
from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/migrator_scheduler.sqlite'


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts() -> dict:
    listed = {}
    for group, opts in db_options.list_opts():
        # Copies, for the sample and docs: show the all-in-one default
        # without touching the options oslo.db registers.
        opts = copy.deepcopy(opts)
        cfg.set_defaults(opts, connection=_DEFAULT_CONNECTION)
        listed[group] = opts
    return listed
