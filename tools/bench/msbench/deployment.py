"""Real ``migrator-scheduler`` and executor processes on the servers.

Every process gets a configuration file of its own, written from
:meth:`Deployment.sections`, and runs in its own session, so that
killing its process group kills the cotyledon master and its worker
child together, as ``kill -9`` of a container would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time

from migrator_scheduler.coordination import status
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import processes

from msbench import membership
from msbench import servers as servers_mod

LOG = logging.getLogger(__name__)

SCHEDULER = 'migrator-scheduler'
EXECUTOR = 'migrator-scheduler-executor'
NUM_BUCKETS = 1024
RING_POINTS = 256
REDISPATCH_AFTER = 600
_BROKER_LOST = re.compile(r'AMQP server on \S+ is unreachable')
_RECAST = re.compile(r'Casting (\d+) pending runs again')

# Polls every 0.1 s unless told otherwise; the scenarios use it too.


def worker_pid(process: processes.ServiceProcess) -> int:
    """The pid of the service's worker: the child cotyledon forked."""
    def child():
        for pid in processes.group_pids(process.pid):
            try:
                with open(f'/proc/{pid}/stat') as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(')') + 2:].split()[1]) == process.pid:
                return pid
        return None
    return ms_fixtures.wait_for(child, 30,
                                f'the worker process of {process.name}')


class Deployment:
    """Servers, executors and a resizable group of schedulers.

    :param workdir: where configuration files and logs are written.
    :param session_timeout: ZooKeeper session timeout of the
        schedulers, in seconds.
    :param executors: number of executor processes.
    :param overrides: ``{section: {option: value}}`` applied on top of
        every process's configuration.
    :param executor_nice: CPU niceness of the executors (0: as the
        schedulers); a diagnostic, to see the schedulers without the
        executors competing for this machine's cores.
    """

    def __init__(self, workdir: str, session_timeout: int, executors: int,
                 overrides: dict | None = None,
                 executor_nice: int = 0) -> None:
        self.workdir = workdir
        self.session_timeout = session_timeout
        self.executor_count = executors
        self.overrides = overrides or {}
        self.executor_nice = executor_nice
        self.servers = servers_mod.Servers(NUM_BUCKETS)
        self.group = ms_fixtures.unique_name('ms_bench_group')
        self.topic = ms_fixtures.unique_name('ms_bench_executor')
        self.observer: status.GroupObserver | None = None
        self._processes: processes.ProcessFixture | None = None
        self._stack = contextlib.ExitStack()
        self._serial = 0
        self._schedulers: list[processes.ServiceProcess] = []
        self._executors: list[processes.ServiceProcess] = []

    # ----------------------------------------------------------- lifecycle

    def __enter__(self) -> Deployment:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.servers.start(self._stack)
        self._processes = servers_mod.use_fixture(
            self._stack, processes.ProcessFixture(self.workdir))
        self._stack.callback(self._stop_all)
        self.observer = status.GroupObserver(
            self.coordination_url, self.group,
            f'bench-observer-{os.getpid()}', RING_POINTS, NUM_BUCKETS)
        self.observer.start()
        self._stack.callback(self.observer.stop)
        names = [f'executor-{i}' for i in range(1, self.executor_count + 1)]
        self._executors = [self._spawn(name, EXECUTOR) for name in names]
        for process in self._executors:
            if self.executor_nice:
                # The whole group: the cotyledon master and its worker.
                os.setpriority(os.PRIO_PGRP, process.pid,
                               self.executor_nice)
            self._wait_ready(process)

    def _stop_all(self) -> None:
        try:
            self._processes.stop_all(timeout=30)
        except processes.ProcessError as exc:
            LOG.warning('Some processes had to be killed: %s', exc)

    @property
    def coordination_url(self) -> str:
        return (f'{self.servers.zookeeper.url}'
                f'?timeout={self.session_timeout}')

    def sections(self, name: str) -> dict:
        """The configuration file of process ``name``, as sections."""
        sections = {
            'DEFAULT': {
                'transport_url': self.servers.rabbitmq.url,
                'host': name,
                'state_path': self.workdir,
            },
            'database': {'connection': self.servers.database.url},
            'coordination': {
                'backend_url': self.coordination_url,
                'group_name': self.group,
                'ring_points': RING_POINTS,
            },
            'scheduler': {
                'embedded_executor': False,
                'num_buckets': NUM_BUCKETS,
                # A run waiting in RabbitMQ for a busy executor longer
                # than this is cast again, which overwrites dispatched_at
                # (what the cast lag is measured from) and adds a
                # message per run to the backlog. See the benchmark docs
                # for what the default (30 s) does to a large burst.
                'redispatch_after': REDISPATCH_AFTER,
            },
            'executor': {'topic': self.topic},
        }
        for section, options in self.overrides.items():
            sections.setdefault(section, {}).update(options)
        return sections

    def _spawn(self, name: str, script: str) -> processes.ServiceProcess:
        return self._processes.spawn(name, script, self.sections(name))

    def _wait_ready(self, process: processes.ServiceProcess,
                    timeout: float = 120.0) -> None:
        marker = ('Joined group' if process.script == SCHEDULER
                  else 'listening on topic')

        def ready():
            if not process.running:
                raise RuntimeError(f'{process.name} exited with '
                                   f'{process.returncode()}:\n'
                                   f'{process.tail()}')
            return marker in process.log_text()
        ms_fixtures.wait_for(ready, timeout, f'{process.name} to start',
                             interval=0.2)

    # ---------------------------------------------------------- schedulers

    @property
    def schedulers(self) -> list[processes.ServiceProcess]:
        """The schedulers started and neither stopped nor killed."""
        return list(self._schedulers)

    def scale(self, count: int) -> float:
        """Start or stop schedulers until ``count`` run; wait until they
        are the group and own the buckets the ring gives them.

        The newest schedulers are stopped first, gracefully (they leave
        the group). Returns the seconds the change took.
        """
        started_at = time.monotonic()
        new = []
        while len(self._schedulers) < count:
            new.append(self._new_scheduler())
        if len(self._schedulers) > count:
            leaving = self._schedulers[count:]
            del self._schedulers[count:]
            self._processes.stop_all([p.name for p in leaving], timeout=60)
        for process in new:
            self._wait_ready(process)
        self.wait_converged()
        return time.monotonic() - started_at

    def start_scheduler(self, wait: bool = True
                        ) -> processes.ServiceProcess:
        """Start one more scheduler; with ``wait``, wait until it joined
        and the group converged."""
        if wait:
            self.scale(len(self._schedulers) + 1)
            return self._schedulers[-1]
        return self._new_scheduler()

    def _new_scheduler(self) -> processes.ServiceProcess:
        self._serial += 1
        process = self._spawn(f'scheduler-{self._serial}', SCHEDULER)
        self._schedulers.append(process)
        return process

    def stop_scheduler(self, process: processes.ServiceProcess) -> None:
        """Stop ``process`` gracefully (it leaves the group)."""
        self._schedulers.remove(process)
        self._processes.stop_all([process.name], timeout=60)

    def kill_scheduler(self, process: processes.ServiceProcess) -> None:
        """SIGKILL the process group of ``process``; nothing is left."""
        self._schedulers.remove(process)
        process.kill()

    def member_ids(self) -> dict[str, bytes]:
        """``{scheduler name: member id}`` of the current group."""
        return {status.member_host(m): m for m in self.observer.members()}

    def wait_converged(self, timeout: float = 120.0) -> None:
        """Wait until the group is exactly the running schedulers and each
        logged owning the number of buckets the ring gives it."""
        names = {p.name for p in self._schedulers}

        def converged():
            members = self.member_ids()
            if set(members) != names:
                return False
            assignment = self.observer.assignment(set(members.values()))
            for process in self._schedulers:
                expected = len(assignment[members[process.name]])
                if membership.logged_ownership(
                        process.log_text()) != expected:
                    return False
            return True
        ms_fixtures.wait_for(converged, timeout,
                             f'the group to converge on {sorted(names)}',
                             interval=0.2)

    def worker_pids(self, executors: bool = False) -> dict[str, int]:
        """``{name: pid of its worker process}`` of the schedulers (and
        with ``executors``, of the executors too)."""
        chosen = self._schedulers + (self._executors if executors else [])
        return {p.name: worker_pid(p) for p in chosen}

    def broker_errors(self) -> int:
        """How many times the processes logged losing RabbitMQ so far.

        The broker is shared with whatever else runs on the machine; a
        measurement during which it went away is flagged as disturbed.
        """
        return sum(len(_BROKER_LOST.findall(p.log_text()))
                   for p in self._processes.processes.values())

    def recasts(self) -> int:
        """How many runs the schedulers' sweeps cast again so far."""
        return sum(int(n) for p in self._schedulers_ever()
                   for n in _RECAST.findall(p.log_text()))

    def _schedulers_ever(self) -> list[processes.ServiceProcess]:
        return [p for p in self._processes.processes.values()
                if p.script == SCHEDULER]

    def record_file(self, label: str) -> str:
        """A fresh path for the noop job's record of executions."""
        path = os.path.join(self.workdir, f'{label}.records')
        if os.path.exists(path):
            os.unlink(path)
        return path
