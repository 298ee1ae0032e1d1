"""Options of the ``[executor]`` group."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'executor',
    title='Executor options',
    help='How migrator-scheduler-executor takes and runs jobs.')

_opts = [
    cfg.IntOpt(
        'heartbeat_interval',
        default=10, min=1, max=3600,
        help='Seconds between two heartbeats an executor writes for the '
             'runs it is executing. Must be well below '
             '``lost_run_timeout``.'),
    cfg.IntOpt(
        'lost_run_timeout',
        default=60, min=2, max=86400,
        help='Seconds without a heartbeat after which a running run is '
             'declared lost (its executor died) and handed to the retry '
             'policy. While the database is unreachable, executors also '
             'keep trying to claim the runs cast to them and to record '
             'the outcomes of finished jobs for up to this long; a job '
             'that ended during a longer outage is run again.'),
    cfg.IntOpt(
        'job_timeout',
        default=3600, min=0, max=7 * 86400,
        help='Seconds an attempt of a run may take, for rules that set no '
             '``job.timeout``; 0 means no limit. Past it the job is asked '
             'to stop and the attempt ends ``timed_out``.'),
    cfg.IntOpt(
        'cancel_grace',
        default=30, min=1, max=3600,
        help='Seconds a job asked to stop (its deadline passed) has to '
             'return before its attempt is recorded ``timed_out`` anyway. '
             'Its worker stays busy until the job returns.'),
    cfg.StrOpt(
        'overlap_policy',
        default='skip',
        choices=[('skip', 'the new run is skipped, reason overlap'),
                 ('queue_one', 'the new run waits for the running one to '
                  'end; runs beyond one waiting are skipped'),
                 ('allow', 'the new run starts anyway'),
                 ('cancel_previous', 'the running run is cancelled and the '
                  'new one starts when it has ended')],
        help='What happens, for rules that set no ``overlap``, to a run '
             'due to start while a run of the same rule is still running. '
             'Enforced by the database across every executor.'),
    cfg.IntOpt(
        'concurrency_limit',
        default=10, min=1, max=100000,
        help='How many runs sharing a concurrency key (a rule\'s '
             '``concurrency.key``) may run at once, for keys without a '
             'limit of their own (``migrator-scheduler-manage concurrency '
             'set``). Runs over the limit wait, state ``waiting``, and '
             'start in nominal-time order as runs end.'),
    cfg.IntOpt(
        'max_attempts',
        default=3, min=1, max=100,
        help='How many times a run is started in all, for rules that set '
             'no ``job.retry.max_attempts``: an attempt that failed, timed '
             'out or whose executor was lost is retried until then; a '
             'permanent failure is not retried.'),
    cfg.IntOpt(
        'retry_delay',
        default=30, min=0, max=86400,
        help='Seconds before the second attempt of a failed or timed out '
             'run, doubled for each further attempt up to '
             '``retry_max_delay``, for rules that set no '
             '``job.retry.delay``. The actual delay is drawn between half '
             'and all of it (jitter), and is never shorter than a '
             'Retry-After the job was told.'),
    cfg.IntOpt(
        'retry_max_delay',
        default=600, min=0, max=86400,
        help='Longest delay before a retry, for rules that set no '
             '``job.retry.max_delay``.'),
    cfg.StrOpt(
        'rpc_version_cap',
        help='Highest executor RPC API version schedulers send. Set it to '
             'the oldest executor\'s version during a rolling upgrade; '
             'unset means the newest this code knows.'),
    cfg.StrOpt(
        'topic',
        default='migrator-scheduler-executor',
        help='RPC topic executors listen on and schedulers cast to.'),
    cfg.IntOpt(
        'workers',
        default=16, min=1, max=1024,
        help='Number of jobs one executor process runs at the same time. '
             'Also bounds how many RPC messages it takes from the broker '
             'before acknowledging, so excess work waits in the queue for '
             'other executors.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(_opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: _opts}
