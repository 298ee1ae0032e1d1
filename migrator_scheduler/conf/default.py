"""Options of the ``[DEFAULT]`` group owned by migrator-scheduler."""

import socket

from oslo_config import cfg

_opts = [
    cfg.HostAddressOpt(
        'host',
        default=socket.gethostname(),
        sample_default='<current_hostname>',
        help='Name of this node. Recorded on every run an executor '
             'starts and used as the scheduler\'s coordination member '
             'name prefix, so it must be unique per node. May be a host '
             'name, FQDN or IP address.'),
    cfg.StrOpt(
        'state_path',
        default='/var/lib/migrator-scheduler',
        help='Top-level directory for local state: the embedded SQLite '
             'database and file-based coordination of the all-in-one '
             'mode. Not used when a SQL server and ZooKeeper are '
             'configured.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(_opts)


def list_opts() -> dict:
    return {'DEFAULT': _opts}
