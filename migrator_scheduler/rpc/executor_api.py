"""Client side of the executor RPC API.

API version history:

* 1.0 - Initial version: ``execute_runs(run_ids)``.
"""

from __future__ import annotations

from oslo_config import cfg
import oslo_messaging as messaging

from migrator_scheduler import rpc

RPC_API_VERSION = '1.0'


class ExecutorAPI:
    """Casts runs to whichever executor takes them from the topic."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        target = messaging.Target(topic=conf.executor.topic,
                                  version=RPC_API_VERSION)
        self._client = rpc.get_client(
            target, version_cap=conf.executor.rpc_version_cap)

    def execute_runs(self, run_ids: list[str], retry: int | None = None
                     ) -> None:
        """Ask one executor to claim and run ``run_ids``.

        A cast: nothing waits for the executor. A message sent while no
        executor listens, or lost with the broker, is recovered by the
        owner's sweep, which casts pending runs again.
        """
        client = self._client.prepare(version='1.0', retry=retry)
        client.cast({}, 'execute_runs', run_ids=list(run_ids))
