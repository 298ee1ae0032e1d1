"""A whole deployment on real servers, and the checks that prove it right.

:class:`Cluster` runs ``migrator-scheduler`` and
``migrator-scheduler-executor`` processes against a fresh database, the
test ZooKeeper and RabbitMQ, each test with its own tooz group and RPC
topic. Rules are created in-process through the database API.

What the executors really did is read from the record file the ``noop``
and ``sleep`` jobs append to (one line per execution); what the
schedulers decided is read from the ``runs`` table. The ``check_*``
functions compare both with the trigger grid and return a list of
problems, empty when all is well, so one assertion shows every fault.
"""

import collections
import contextlib
import datetime
import json
import os
import re
import subprocess
import time
import typing
import urllib.parse
import uuid

import fixtures
from oslo_log import log as oslo_log
import sqlalchemy as sa
import tooz

from migrator_scheduler.common import buckets as buckets_mod
from migrator_scheduler import conf as ms_conf
from migrator_scheduler.coordination import status
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler.db import models
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import processes
from migrator_scheduler import triggers

LOG = oslo_log.getLogger(__name__)

CONF = ms_conf.CONF

NUM_BUCKETS = 1024
RING_POINTS = 256
# ZooKeeper session timeout of the schedulers, in seconds: how long a
# killed scheduler keeps its buckets.
SESSION_TIMEOUT = 4
# Seconds without a heartbeat before a run is reaped. Long by default: a
# starved test host may delay a live executor's heartbeats by seconds,
# and its runs would then be reaped and run twice. Tests of executor
# loss shorten it.
LOST_RUN_TIMEOUT = 30
REDISPATCH_AFTER = 5
# Seconds between two polls of whatever a test waits for.
POLL_INTERVAL = 0.2
# How far behind the wall clock the last required fire time may be when
# firing stops: the schedulers of a busy machine run a little late.
FIRE_MARGIN = datetime.timedelta(seconds=5)

# What the tests change from the product's defaults to run faster: short
# sweeps and heartbeats, quick re-casts, and a reconnection to RabbitMQ
# every second instead of backing off (a cast then gives up a few
# seconds into a broker outage, and everyone is back a second after the
# broker). A test of how the product itself behaves sets
# ``Cluster.tuned = False`` and runs without any of it.
TUNING = {
    'DEFAULT': {'graceful_shutdown_timeout': 30},
    'scheduler': {'sweep_interval': 1,
                  'redispatch_after': REDISPATCH_AFTER},
    'executor': {'heartbeat_interval': 1, 'workers': 16},
    'oslo_messaging_rabbit': {
        'rabbit_retry_interval': 1,
        'rabbit_retry_backoff': 0,
        'rabbit_interval_max': 1,
        'kombu_reconnect_delay': 0,
    },
}

SCHEDULER = 'migrator-scheduler'
EXECUTOR = 'migrator-scheduler-executor'

FINAL_STATES = tuple(models.FINAL_RUN_STATES)

_FIRED = re.compile(r'Fired (\d+) rules')


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def next_instant(first: datetime.datetime,
                 period: float) -> datetime.datetime:
    """The first time of the grid ``first + k * period`` after now."""
    elapsed = (utcnow() - first).total_seconds()
    steps = max(0, int(elapsed // period) + 1)
    return first + datetime.timedelta(seconds=steps * period)


def sleep_until(when: datetime.datetime) -> None:
    """Let wall-clock time pass until ``when`` (aware UTC)."""
    delay = (when - utcnow()).total_seconds()
    if delay > 0:
        time.sleep(delay)


# ------------------------------------------------------------- database

@contextlib.contextmanager
def using_database(url: str):
    """Point this process's database API at ``url`` and create the schema.

    The schema is what ``db sync`` creates: the migrations, then the
    recorded bucket count.
    """
    CONF.set_override('connection', url, group='database')
    db_api.reset()
    try:
        migration.upgrade()
        db_api.ensure_num_buckets(NUM_BUCKETS)
        yield
    finally:
        db_api.reset()
        CONF.clear_override('connection', group='database')


class Rule(typing.NamedTuple):
    """What the checks need to know of a rule they created."""

    id: str
    bucket: int
    period: datetime.timedelta
    first_fire: datetime.datetime


# Columns of a rule that fires only when a test sets its next fire time
# (a one-shot trigger far ahead): a grid time of its own cannot come
# during the test.
ONCE = {'trigger_kind': 'oneshot', 'trigger_expr': '2099-01-01T00:00:00Z'}


def create_rules(count: int, period: int, job_type: str = 'noop',
                 job_args: dict | None = None, name: str = 'rule',
                 lead: float = 1.0, **policies) -> dict[str, Rule]:
    """Create ``count`` interval rules that all fire at the same instants.

    The first fire time is the first grid time at least ``lead`` seconds
    from now, so every rule exists before any of them is due.

    The rules allow overlapping runs unless ``policies`` (rules columns,
    e.g. ``overlap_policy``) say otherwise: these tests check that every
    fire time is executed exactly once, which runs skipped by overlap
    after an outage would hide; the overlap policies have tests of their
    own.
    """
    trigger = triggers.build_trigger('interval', str(period), 'UTC')
    first = trigger.next_fire(
        utcnow() + datetime.timedelta(seconds=lead))
    values, rules = [], {}
    for index in range(count):
        rule_id = str(uuid.uuid4())
        bucket = buckets_mod.bucket_for(rule_id, NUM_BUCKETS)
        values.append({
            'id': rule_id, 'project_id': 'functional',
            'name': f'{name}-{index}', 'job_type': job_type,
            'job_args': job_args or {}, 'trigger_kind': 'interval',
            'trigger_expr': str(period), 'timezone': 'UTC',
            'paused': False, 'misfire_policy': 'fire_once',
            'bucket': bucket, 'next_fire_at': first,
            'overlap_policy': 'allow', **policies,
        })
        rules[rule_id] = Rule(rule_id, bucket,
                              datetime.timedelta(seconds=period), first)
    db_api.create_rules(values)
    return rules


def pause_rules(rule_ids) -> None:
    """Pause rules: no scheduler fires them any more."""
    for rule_id in rule_ids:
        db_api.set_rule_paused(rule_id, True, None)


def all_runs() -> list[dict]:
    """Every run in the database, as dicts."""
    with db_api.get_engine().connect() as conn:
        return [dict(r._mapping)
                for r in conn.execute(sa.select(models.runs))]


def next_fire_times() -> dict[str, datetime.datetime | None]:
    """``{rule id: next_fire_at}`` as stored."""
    table = models.rules
    with db_api.get_engine().connect() as conn:
        return dict(conn.execute(
            sa.select(table.c.id, table.c.next_fire_at)).all())


def first_runs_after(rule_ids, after: datetime.datetime
                     ) -> dict[str, datetime.datetime]:
    """``{rule id: creation time of its first run created after
    ``after``}`` for the rules that have one."""
    table = models.runs
    first = sa.func.min(table.c.created_at)
    stmt = sa.select(table.c.rule_id, first).where(
        table.c.rule_id.in_(list(rule_ids)),
        table.c.created_at > after).group_by(table.c.rule_id)
    with db_api.get_engine().connect() as conn:
        # min() keeps the column's type: the times come back aware.
        return dict(conn.execute(stmt).all())


def unfinished_runs() -> list[dict]:
    """The runs not in a final state yet."""
    table = models.runs
    stmt = sa.select(table).where(table.c.state.not_in(FINAL_STATES))
    with db_api.get_engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def wait_drained(timeout: float = 60.0) -> None:
    """Wait until every run reached a final state."""
    left = []

    def drained():
        left[:] = unfinished_runs()
        return not left

    try:
        ms_fixtures.wait_for(drained, timeout, 'every run to finish',
                             interval=POLL_INTERVAL)
    except TimeoutError as exc:
        raise AssertionError(
            f'{exc}; {len(left)} left, e.g. {left[:5]}') from None


# --------------------------------------------------------------- records

class Record(typing.NamedTuple):
    """One line of the record file: one execution of a job."""

    run_id: str
    rule_id: str
    scheduled_for: datetime.datetime
    attempt: int


def read_records(path: str) -> list[Record]:
    if not os.path.exists(path):
        return []
    records = []
    with open(path) as f:
        for line in f:
            run_id, rule_id, when, attempt = line.split()
            records.append(Record(run_id, rule_id,
                                  datetime.datetime.fromisoformat(when),
                                  int(attempt)))
    return records


# ---------------------------------------------------------------- checks

def _grid(rule: Rule, until: datetime.datetime) -> list[datetime.datetime]:
    times, when = [], rule.first_fire
    while when <= until:
        times.append(when)
        when += rule.period
    return times


def check_runs(rules: dict[str, Rule], runs: list[dict],
               fired_until: datetime.datetime) -> list[str]:
    """Check the ``runs`` table against the trigger grid.

    For every rule: its nominal times are exactly the grid from its first
    fire time to its last run, with no gap and no duplicate; every grid
    time up to ``fired_until`` is there; the stored next fire time, unless
    the rule was paused, is the grid time after the last run (nothing was
    skipped at the end); every run succeeded.
    """
    problems = []
    by_rule = collections.defaultdict(list)
    for run in runs:
        by_rule[run['rule_id']].append(run)
    stored_next = next_fire_times()
    for rule in rules.values():
        times = sorted(r['scheduled_for'] for r in by_rule.get(rule.id, []))
        if not times:
            problems.append(f'rule {rule.id} never fired')
            continue
        expected = _grid(rule, times[-1])
        if times != expected:
            missing = sorted(set(expected) - set(times))
            extra = [t for t, n in collections.Counter(times).items()
                     if n > 1 or t not in expected]
            problems.append(
                f'rule {rule.id}: nominal times are not the contiguous '
                f'grid: missing {missing[:5]}, duplicate or off-grid '
                f'{extra[:5]}')
        required = _grid(rule, fired_until)
        if len(times) < len(required):
            problems.append(
                f'rule {rule.id}: fired {len(times)} times, expected at '
                f'least {len(required)} (every time up to '
                f'{fired_until.isoformat()})')
        following = stored_next.get(rule.id)
        if following is not None and following != times[-1] + rule.period:
            problems.append(
                f'rule {rule.id}: next fire time {following.isoformat()} '
                f'does not follow its last run {times[-1].isoformat()}')
    unknown = set(by_rule) - set(rules)
    if unknown:
        problems.append(f'runs of unknown rules: {sorted(unknown)[:5]}')
    states = collections.Counter(r['state'] for r in runs)
    if set(states) - {'succeeded'}:
        bad = [r for r in runs if r['state'] != 'succeeded']
        problems.append(f'runs not succeeded: {dict(states)}; e.g. '
                        f'{bad[:3]}')
    return problems


def check_records(runs: list[dict], records: list[Record]) -> list[str]:
    """Check that the executors ran each run exactly once.

    Every (rule, nominal time) of a run has exactly one line in the
    record file, written by the run's final attempt; no line belongs to
    anything else.
    """
    problems = []
    counts = collections.Counter(
        (r.rule_id, r.scheduled_for) for r in records)
    doubled = [key for key, n in counts.items() if n > 1]
    if doubled:
        problems.append(f'{len(doubled)} nominal times executed more than '
                        f'once, e.g. {doubled[:5]}')
    latest = {(r.rule_id, r.scheduled_for): r for r in records}
    expected = {(r['rule_id'], r['scheduled_for']): r for r in runs}
    missing = sorted(set(expected) - set(latest))
    if missing:
        problems.append(f'{len(missing)} runs never executed, e.g. '
                        f'{missing[:5]}')
    stray = sorted(set(latest) - set(expected))
    if stray:
        problems.append(f'{len(stray)} executions of no run, e.g. '
                        f'{stray[:5]}')
    mismatched = [
        (run['id'], run['attempt'], latest[key])
        for key, run in expected.items()
        if key in latest and (latest[key].run_id != run['id'] or
                              latest[key].attempt != run['attempt'])]
    if mismatched:
        problems.append(f'{len(mismatched)} executions do not match their '
                        f'run (id, final attempt), e.g. {mismatched[:3]}')
    return problems


def check_dispatch_times(runs: list[dict]) -> list[str]:
    """Check that every started run says when it was sent.

    Each run an executor started has a ``dispatched_at``, and it is no
    later than its ``started_at``: a run cannot start before its cast.
    """
    started = [r for r in runs if r['started_at'] is not None]
    missing = [r['id'] for r in started if r['dispatched_at'] is None]
    late = [(r['id'], r['dispatched_at'].isoformat(),
             r['started_at'].isoformat()) for r in started
            if r['dispatched_at'] is not None and
            r['dispatched_at'] > r['started_at']]
    problems = []
    if missing:
        problems.append(f'{len(missing)} of {len(started)} started runs '
                        f'have no dispatched_at, e.g. {missing[:5]}')
    if late:
        problems.append(f'{len(late)} runs were dispatched after they '
                        f'started (id, dispatched_at, started_at), e.g. '
                        f'{late[:3]}')
    return problems


def problems_message(problems: list[str], limit: int = 20) -> str:
    shown = '\n  '.join(problems[:limit])
    more = f'\n  ... and {len(problems) - limit} more' if (
        len(problems) > limit) else ''
    return f'{len(problems)} problems:\n  {shown}{more}'


# --------------------------------------------------------------- cluster

class Cluster(fixtures.Fixture):
    """Schedulers and executors of one deployment, and its database.

    :param database_url: a fresh database, migrated here.
    :param zookeeper_url: ``zookeeper://host:port`` (no options).
    :param transport_url: the RabbitMQ transport URL.
    :param directory: where configuration, logs and the record file go;
        they are kept for debugging.

    Before processes are started, a test may change ``lost_run_timeout``,
    set ``tuned = False`` to run every process with the product's own
    defaults (see :data:`TUNING`), and put options of its own in
    ``overrides`` (``{section: {option: value}}``, applied last).
    """

    def __init__(self, database_url: str, zookeeper_url: str,
                 transport_url: str, directory: str) -> None:
        super().__init__()
        self.database_url = database_url
        self.zookeeper_url = zookeeper_url
        self.transport_url = transport_url
        self.directory = directory
        self.group = ms_fixtures.unique_name('ms_group')
        self.topic = ms_fixtures.unique_name('ms_executor')
        self.record_file = os.path.join(directory, 'record.txt')
        self.lost_run_timeout = LOST_RUN_TIMEOUT
        self.tuned = True
        self.overrides: dict[str, dict] = {}
        self.processes = None
        self.observer = None

    @property
    def coordination_url(self) -> str:
        """The schedulers' tooz URL; tuned, with a short session."""
        if self.tuned:
            return f'{self.zookeeper_url}?timeout={SESSION_TIMEOUT}'
        return self.zookeeper_url

    def coordination_url_via(self, address: str) -> str:
        """:attr:`coordination_url` reaching ZooKeeper at ``address``
        (``host:port``, e.g. a proxy's) instead."""
        parsed = urllib.parse.urlsplit(self.coordination_url)
        return urllib.parse.urlunsplit(parsed._replace(netloc=address))

    def _setUp(self) -> None:
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        stack.enter_context(using_database(self.database_url))
        self.processes = self.useFixture(
            processes.ProcessFixture(self.directory))
        self.observer = status.GroupObserver(
            self.coordination_url, self.group,
            ms_fixtures.unique_name('observer'), RING_POINTS, NUM_BUCKETS)
        self.observer.start()
        self.addCleanup(self.observer.stop)

    def print_logs(self) -> None:
        """Print where the logs are and their last lines."""
        print(f'Logs of the cluster are in {self.directory}')
        print(self.processes.tails())

    def config(self, name: str, overrides: dict | None = None) -> dict:
        """The configuration sections of process ``name``.

        :param overrides: ``{section: {option: value}}`` of this process
            alone, applied after the cluster's own ``overrides``.
        """
        levels = oslo_log.get_default_log_levels() + [
            'kazoo.client=WARNING', 'tooz=INFO',
            # Each firing is logged at DEBUG: the tests count them.
            'migrator_scheduler.scheduler.manager=DEBUG']
        sections = {
            'DEFAULT': {
                'transport_url': self.transport_url,
                'host': name,
                'state_path': self.directory,
                'default_log_levels': levels,
            },
            'database': {'connection': self.database_url},
            'coordination': {
                'backend_url': self.coordination_url,
                'group_name': self.group,
                'ring_points': RING_POINTS,
            },
            'scheduler': {
                'embedded_executor': False,
                'num_buckets': NUM_BUCKETS,
            },
            'executor': {'topic': self.topic},
        }
        layers = [self.overrides, overrides or {}]
        if self.tuned:
            layers.insert(0, TUNING)
            layers.insert(1, {'executor': {
                'lost_run_timeout': self.lost_run_timeout}})
        for layer in layers:
            for section, options in layer.items():
                sections.setdefault(section, {}).update(options)
        return sections

    # --------------------------------------------------------- processes

    def start_scheduler(self, name: str, overrides: dict | None = None,
                        env: dict[str, str] | None = None
                        ) -> processes.ServiceProcess:
        """Start scheduler ``name``.

        :param overrides: configuration of this process alone, as for
            :meth:`config` (e.g. its ``[coordination] backend_url``
            through a proxy).
        :param env: environment variables of this process alone (e.g.
            a shifted clock).
        """
        return self.processes.spawn(name, SCHEDULER,
                                    self.config(name, overrides), env=env)

    def start_executor(self, name: str, overrides: dict | None = None,
                       env: dict[str, str] | None = None
                       ) -> processes.ServiceProcess:
        """Start executor ``name``; arguments as for
        :meth:`start_scheduler`."""
        return self.processes.spawn(name, EXECUTOR,
                                    self.config(name, overrides), env=env)

    def process(self, name: str) -> processes.ServiceProcess:
        return self.processes.processes[name]

    def schedulers(self) -> list[processes.ServiceProcess]:
        """Every scheduler started, alive or not."""
        return [p for p in self.processes.processes.values()
                if p.script == SCHEDULER]

    def start(self, schedulers: int, executors: int) -> list[str]:
        """Start ``executor-N`` and ``scheduler-N`` processes; wait until
        all are ready and the schedulers are the group's members."""
        executor_names = [f'executor-{i}' for i in range(1, executors + 1)]
        scheduler_names = [f'scheduler-{i}'
                           for i in range(1, schedulers + 1)]
        for name in executor_names:
            self.start_executor(name)
        for name in scheduler_names:
            self.start_scheduler(name)
        self.wait_ready(executor_names + scheduler_names)
        self.wait_members(scheduler_names)
        return executor_names + scheduler_names

    def wait_ready(self, names, timeout: float = 90.0) -> None:
        """Wait until the named processes joined the group or listen."""
        for name in names:
            process = self.process(name)
            marker = ('Joined group' if process.script == SCHEDULER
                      else 'listening on topic')

            def ready():
                if not process.running:
                    raise AssertionError(
                        f'{name} exited with {process.returncode()}:\n'
                        f'{process.tail()}')
                return marker in process.log_text()

            ms_fixtures.wait_for(ready, timeout, f'{name} to be ready',
                                 interval=POLL_INTERVAL)

    def rule_shares(self, rules: dict[str, Rule]) -> dict[str, int]:
        """``{scheduler: number of the rules in its buckets}`` as the
        current members divide the buckets."""
        shares = {}
        for member, owned in self.observer.assignment().items():
            shares[status.member_host(member)] = sum(
                1 for rule in rules.values() if rule.bucket in owned)
        return shares

    def wait_members(self, names, timeout: float = 60.0) -> None:
        """Wait until the group's members are exactly ``names``.

        Errors of the backend count as "not yet": the observer's own
        session may expire while ZooKeeper is away (its client then
        opens a new one), and the wait may start while it comes back.
        """
        wanted = set(names)

        def members_are_wanted():
            try:
                members = self.observer.members()
            except tooz.ToozError as exc:
                LOG.debug('Cannot list the group yet: %r', exc)
                return False
            return {status.member_host(m) for m in members} == wanted

        ms_fixtures.wait_for(members_are_wanted, timeout,
                             f'group members to be {sorted(wanted)}',
                             interval=POLL_INTERVAL)

    def run_for(self, seconds: float, alive=()) -> None:
        """Let ``seconds`` pass, failing early if a named process dies."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name in alive:
                process = self.process(name)
                if not process.running:
                    raise AssertionError(
                        f'{name} died with {process.returncode()}:\n'
                        f'{process.tail()}')
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def stop(self, names, timeout: float = 60.0) -> None:
        """Stop the named processes gracefully, all at once."""
        self.processes.stop_all(list(names), timeout=timeout)

    def cluster_status(self, settle: float = 0) -> tuple[int, dict]:
        """Run ``migrator-scheduler-manage cluster status`` as an operator
        would; return its exit code and its JSON report."""
        config_file = os.path.join(self.directory, 'manage.conf')
        sections = self.config('manage')
        processes.write_config(config_file, sections)
        command = [os.path.join(processes.BIN_DIR,
                                'migrator-scheduler-manage'),
                   '--config-file', config_file, 'cluster', 'status',
                   '--format', 'json', '--settle', str(settle)]
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=120)
        try:
            report = json.loads(done.stdout)
        except ValueError:
            raise AssertionError(
                f'cluster status printed no report (exit {done.returncode})'
                f': {done.stdout}{done.stderr}') from None
        return done.returncode, report

    def wait_converged(self, names, since: float, timeout: float = 90.0
                       ) -> tuple[float, float, dict]:
        """Wait until the group's members are exactly ``names``, then
        until ``cluster status`` finds every view in agreement.

        :param since: a ``time.monotonic()`` the waits are measured from.
        :returns: seconds from ``since`` to each, and the healthy report.
        """
        self.wait_members(names, timeout)
        members = time.monotonic() - since
        report = self.wait_healthy(timeout)
        return members, time.monotonic() - since, report

    def wait_healthy(self, timeout: float) -> dict:
        """Wait until ``cluster status`` reports no problem; return the
        report."""
        last = {}

        def healthy():
            code, last['report'] = self.cluster_status()
            return code == 0 and last['report']

        try:
            return ms_fixtures.wait_for(healthy, timeout,
                                        'cluster status to be healthy',
                                        interval=1.0)
        except TimeoutError as exc:
            problems = last.get('report', {}).get('problems')
            raise AssertionError(f'{exc}; problems: {problems}') from None

    # -------------------------------------------------------------- logs

    def fired(self, name: str) -> int:
        """How many rule firings scheduler ``name`` logged."""
        return sum(int(n) for n in
                   _FIRED.findall(self.process(name).log_text()))

    def log_lines(self, name: str, text: str) -> list[str]:
        return [line for line in self.process(name).log_text().splitlines()
                if text in line]

    def records(self) -> list[Record]:
        return read_records(self.record_file)

    def verify(self, rules: dict[str, Rule],
               fired_until: datetime.datetime) -> list[dict]:
        """Assert every exactly-once property; return the runs."""
        runs = all_runs()
        problems = check_runs(rules, runs, fired_until)
        problems += check_dispatch_times(runs)
        problems += check_records(runs, self.records())
        assert not problems, problems_message(problems)
        return runs

    def finish(self, rules: dict[str, Rule], drain_timeout: float = 60.0,
               margin: datetime.timedelta = FIRE_MARGIN) -> list[dict]:
        """Pause ``rules``, wait until every run finished, then
        :meth:`verify` every fire time up to ``margin`` before the pause;
        return the runs."""
        paused_at = utcnow()
        pause_rules(rules)
        wait_drained(timeout=drain_timeout)
        return self.verify(rules, paused_at - margin)


@contextlib.contextmanager
def running(request, database_url: str, zookeeper_url: str,
            transport_url: str, directory: str):
    """A :class:`Cluster` for a pytest fixture; prints its logs when the
    test failed."""
    failed_before = request.session.testsfailed
    with Cluster(database_url, zookeeper_url, transport_url,
                 directory) as cluster:
        try:
            yield cluster
        finally:
            # The test's outcome is counted before fixtures tear down.
            if request.session.testsfailed > failed_before:
                cluster.print_logs()
