"""Options of the ``[coordination]`` group."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'coordination',
    title='Coordination options',
    help='Group membership of schedulers through tooz (ZooKeeper in '
         'production).')

_opts = [
    cfg.StrOpt(
        'backend_url',
        default='file://$state_path/coordination',
        secret=True,
        help='tooz backend URL, e.g. ``zookeeper://zk1:2181,zk2:2181`` '
             '(add ``?timeout=10`` to set the session timeout in '
             'seconds). The default file backend only coordinates '
             'processes on one host and is meant for the all-in-one '
             'mode. May contain credentials, so it is never logged.'),
    cfg.StrOpt(
        'group_name',
        default='migrator-scheduler',
        help='Name of the tooz group schedulers join. Schedulers of '
             'separate deployments sharing a ZooKeeper must use separate '
             'names.'),
    cfg.FloatOpt(
        'membership_check_interval',
        default=5.0, min=0.5, max=600.0,
        help='Seconds between two full re-reads of the group: every '
             'member with its weight, and the bucket ring rebuilt from '
             'them, even when the member list looks unchanged. Each '
             '``watch_interval`` listing already rebuilds the ring when '
             'the members change and joins again when this scheduler is '
             'no longer a member (after a ZooKeeper session expiry).'),
    cfg.IntOpt(
        'ring_points',
        default=256, min=1, max=4096,
        help='Points each scheduler gets on the consistent hash ring that '
             'assigns buckets. More points spread buckets more evenly '
             'between schedulers at the cost of a slower ring rebuild. '
             'All schedulers of a group must use the same value.'),
    cfg.FloatOpt(
        'watch_interval',
        default=0.5, min=0.05, max=60.0,
        help='Seconds between two listings of the group\'s members, by a '
             'thread of its own (firing never waits for ZooKeeper). Bounds '
             'how soon a scheduler adapts its buckets to a member joining '
             'or leaving; each listing is one ZooKeeper read.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(_opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: _opts}
