"""What every scenario gets: the deployment and the run's parameters."""

from __future__ import annotations

import contextlib
import dataclasses
import logging

from oslo_config import cfg

from migrator_scheduler import conf as ms_conf

from msbench import deployment as deployment_mod
from msbench import profiling

LOG = logging.getLogger('msbench')


@dataclasses.dataclass
class Context:
    """The parameters of a run and the deployment it measures.

    :ivar size: ``--size``, or None for each scenario's default.
    :ivar repeat: rounds per measurement; results are medians.
    :ivar quick: shorter observation windows, for trying the harness.
    :ivar profiler: samples the services during load, if enabled.
    :ivar burst_schedulers: scheduler counts of the burst scenario.
    """

    deployment: deployment_mod.Deployment
    size: int | None
    repeat: int
    quick: bool = False
    profiler: profiling.Profiler | None = None
    burst_schedulers: tuple[int, ...] = (1, 3, 6)

    def profiling(self, label: str):
        """A context manager sampling every worker while it is open."""
        if self.profiler is None or not self.profiler.binary:
            return contextlib.nullcontext()
        return self.profiler.recording(
            label, self.deployment.worker_pids(executors=True))

    def size_or(self, default: int) -> int:
        return self.size if self.size is not None else default

    def option(self, section: str, name: str):
        """The value of a service option in this deployment: a ``--set``
        override, else the product's default."""
        overrides = self.deployment.overrides.get(section, {})
        if name in overrides:
            return overrides[name]
        conf = cfg.ConfigOpts()
        ms_conf.register_all(conf)
        return conf[section][name]

    def window(self, seconds: float) -> float:
        """An observation window, cut short in quick mode."""
        return min(seconds, 10.0) if self.quick else seconds

    @property
    def servers(self):
        return self.deployment.servers

    @property
    def engine(self):
        return self.deployment.servers.engine
