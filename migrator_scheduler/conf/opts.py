"""Entry points for oslo-config-generator.

Every option group registered by :mod:`migrator_scheduler.conf` is listed
here; a unit test keeps the two in step.
"""

import collections

from oslo_log import log

from migrator_scheduler import conf as ms_conf


def list_opts() -> list:
    """Return ``[(group, [opts])]`` for every group of the project."""
    merged = collections.OrderedDict()
    for module in ms_conf._MODULES:
        for group, opts in module.list_opts().items():
            key = getattr(group, 'name', group)
            entry = merged.setdefault(key, [group, []])
            entry[1].extend(opts)
    return [(group, opts) for group, opts in merged.values()]


def set_lib_defaults() -> None:
    """Set this project's defaults for options owned by libraries."""
    log.set_defaults(default_log_levels=log.get_default_log_levels() + [
        'kazoo.client=WARNING', 'tooz=INFO'])
