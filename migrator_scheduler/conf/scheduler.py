"""Options of the ``[scheduler]`` group."""

from oslo_config import cfg

# Executors refuse a message with more run ids than this.
MAX_CAST_BATCH_SIZE = 10000

GROUP = cfg.OptGroup(
    'scheduler',
    title='Scheduler options',
    help='How migrator-scheduler generates the due runs of the buckets '
         'it owns.')

_opts = [
    cfg.IntOpt(
        'batch_size',
        default=1000, min=1, max=100000,
        help='Maximum number of due rules fired in one database '
             'transaction. Larger batches raise throughput during a burst '
             'but hold row locks longer.'),
    cfg.IntOpt(
        'cast_batch_size',
        default=200, min=1, max=MAX_CAST_BATCH_SIZE,
        help='Maximum number of run ids sent to the executors in one RPC '
             'message. Each cast waits for the broker\'s confirm, so '
             'batching is what lets a burst of thousands of runs leave '
             'within a second. Executors refuse messages with more run '
             'ids than the largest value allowed here.'),
    cfg.FloatOpt(
        'clock_check_interval',
        default=30.0, min=1.0, max=3600.0,
        help='Seconds between two comparisons of this host\'s clock with '
             'the database server\'s; see ``max_clock_skew``.'),
    cfg.IntOpt(
        'default_jitter',
        default=0, min=0, max=3600,
        help='Seconds. For rules that set no ``spread.jitter``: each run '
             'starts up to this much later than its fire time (plus its '
             'spread window offset), by a delay drawn from a hash of the '
             'rule id and the fire time, so it differs between fire '
             'times but every scheduler computes the same one. 0 adds no '
             'delay.'),
    cfg.IntOpt(
        'default_spread_window',
        default=0, min=0, max=86400,
        help='Seconds. For rules that set no ``spread.window``: the runs '
             'of rules sharing a fire time start spread evenly over this '
             'window after it, each rule at a fixed place chosen by a '
             'hash of its id, so that thousands of runs do not reach one '
             'cloud endpoint in the same second. Fires are still recorded '
             'at their time; only the start waits. A window as long as '
             'the time between two fire times lets a run start after the '
             'next fire time. 0 starts every run at its fire time.'),
    cfg.BoolOpt(
        'embedded_executor',
        default=True,
        help='Run an executor inside the scheduler process. This is the '
             'all-in-one mode, and the only mode that works with the '
             'in-process ``fake://`` transport. Set to False in production '
             'and run ``migrator-scheduler-executor`` separately.'),
    cfg.FloatOpt(
        'fire_ahead',
        default=10.0, min=0.0, max=300.0,
        help='Seconds. How long before their time runs are created. The '
             'database work of firing (advancing the rule, writing the '
             'run) is done this much ahead; the run is cast to the '
             'executors only when its time comes, so jobs start on time '
             'even when thousands share one fire time. Pausing, resuming '
             'or replacing a rule withdraws its runs created ahead. A '
             'scheduler that stops gracefully casts the runs it holds at '
             'their time first (runs whose spread start is later than '
             'this are left to the sweep); runs held by a scheduler that '
             'died are cast by the sweep of their bucket\'s new owner. 0 '
             'creates runs only once their time has come.'),
    cfg.IntOpt(
        'max_catchup_per_cycle',
        default=100, min=1, max=10000,
        help='With the ``fire_all`` misfire policy, the maximum number of '
             'missed fire times of one rule created per cycle. The rest '
             'are caught up in the following cycles so one long-missed '
             'rule cannot starve the others.'),
    cfg.FloatOpt(
        'max_clock_skew',
        default=2.0, min=0.0, max=3600.0,
        help='Seconds. When this host\'s clock and the database server\'s '
             'differ by more than this (network delay of the comparison '
             'allowed for), the scheduler refuses to fire: it leaves the '
             'group, so its peers take its buckets over at once, logs an '
             'error and shows ``clock-skewed`` in ``cluster status`` until '
             'the clocks agree again. Due times are read from the local '
             'clock, so a skewed scheduler would fire early or late. 0 '
             'turns the check off (not recommended).'),
    cfg.FloatOpt(
        'max_idle_interval',
        default=1.0, min=0.05, max=60.0,
        help='Seconds. Longest the scheduler sleeps between two looks at '
             'its buckets. It wakes earlier for the earliest known due '
             'time, so this bounds only how soon it notices rules created '
             'or changed by others. Lower values cost more idle '
             'queries.'),
    cfg.IntOpt(
        'misfire_grace_time',
        default=60, min=0, max=86400,
        help='Seconds. A fire time found this late or less is fired '
             'normally; a later one is a misfire and is handled by the '
             'rule\'s misfire policy. Rules may override it.'),
    cfg.IntOpt(
        'num_buckets',
        default=1024, min=1, max=65536,
        help='Number of buckets rules are hashed into; buckets are what '
             'schedulers divide between themselves. Fixed for the life of '
             'a deployment: the value is recorded by ``db sync`` and every '
             'process refuses to start if it differs. Choose it well above '
             'the largest number of schedulers you will ever run.'),
    cfg.IntOpt(
        'purge_interval',
        default=3600, min=60, max=604800,
        help='Seconds between two passes of the background purge of old '
             'runs (see ``run_retention_days``). Whatever the number of '
             'schedulers, one pass is made per interval: the database '
             'decides which scheduler makes it. A pass deletes at most '
             '100000 runs, in transactions of 1000, so a large backlog '
             'is worked off over several intervals without long '
             'locks.'),
    cfg.IntOpt(
        'redispatch_after',
        default=30, min=1, max=3600,
        help='Seconds. A run that was committed but has not been started '
             'by an executor this long after it was cast is cast again by '
             'the owner\'s sweep. Covers casts lost with a broker restart '
             'or an executor killed after taking the message. A duplicate '
             'cast is harmless: executors claim runs atomically.'),
    cfg.FloatOpt(
        'rescue_after',
        min=1.0, max=86400.0,
        help='Seconds. A rule due this long ago that nobody fired, or a '
             'run this long overdue that nobody cast, is fired or cast by '
             'any scheduler that sees it, whatever the group membership '
             'says (the database still lets only one of them fire each '
             'fire time). This bounds how late a fire time can be when '
             'some scheduler\'s view of the group is wrong. Unset, it is '
             'derived: the ZooKeeper session timeout (``timeout`` of '
             '``[coordination] backend_url``, 10 by default) + 2 x '
             '``[coordination] watch_interval`` + ``max_idle_interval`` + '
             '5, i.e. 17 s with the defaults, longer than a normal '
             'failover takes. Rescues are checked every '
             '``sweep_interval``.'),
    cfg.IntOpt(
        'run_retention_days',
        default=30, min=0, max=36500,
        help='Days. Runs in a final state (succeeded, failed, timed_out, '
             'lost, cancelled, skipped) that finished longer ago than '
             'this are deleted by the schedulers, with their earlier '
             'attempts, every ``purge_interval``. Pending and running '
             'runs are never deleted. Longer retention keeps more '
             'history for ``run list`` at the cost of a larger runs '
             'table (one row per fire time of every rule). 0 keeps runs '
             'for ever; ``migrator-scheduler-manage run purge`` can '
             'still delete them.'),
    cfg.FloatOpt(
        'status_interval',
        default=5.0, min=1.0, max=300.0,
        help='Seconds between two reports of this scheduler\'s view (the '
             'members it sees, its ring, its buckets, its last loop) to '
             'the database, for ``cluster status``; a change of view is '
             'reported at once. A scheduler that has not reported for '
             'three intervals is shown as stale.'),
    cfg.FloatOpt(
        'sweep_interval',
        default=5.0, min=0.1, max=600.0,
        help='Seconds between two sweeps of the owned buckets for runs to '
             'cast again and for running runs whose executor stopped '
             'heart-beating.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(_opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: _opts}
