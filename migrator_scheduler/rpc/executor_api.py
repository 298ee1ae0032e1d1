"""Client side of the executor RPC API.

API version history:

* 1.0 - Initial version: ``execute_runs(run_ids)``.
* 1.1 - ``execute_runs(run_ids, cast_at)``: the time of the cast, which
  the executor's claim records as the runs' ``dispatched_at``.
"""

from __future__ import annotations

import datetime

from oslo_config import cfg
import oslo_messaging as messaging

from migrator_scheduler import rpc
from migrator_scheduler.rpc import executor_messages

RPC_API_VERSION = '1.1'


class ExecutorAPI:
    """Casts runs to whichever executor takes them from the topic."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        target = messaging.Target(topic=conf.executor.topic,
                                  version=RPC_API_VERSION)
        # Mandatory routing: a cast no queue takes (the topic queue is
        # gone with a broker restart until an executor declares it
        # again) fails instead of vanishing, so it counts as not cast.
        self._client = rpc.get_client(
            target, version_cap=conf.executor.rpc_version_cap,
            transport_options=messaging.TransportOptions(
                at_least_once=True))

    @property
    def sends_cast_time(self) -> bool:
        """Whether casts carry their time (1.1), for the claim to record."""
        return self._client.can_send_version('1.1')

    def execute_runs(self, run_ids: list[str], cast_at: datetime.datetime,
                     retry: int | None = None) -> None:
        """Ask one executor to claim and run ``run_ids``.

        A cast: nothing waits for the executor. ``cast_at`` is sent from
        version 1.1 on; under a 1.0 version cap it is left out and only
        the scheduler records the cast. A message sent while no executor
        listens, or lost with the broker, is recovered by the owner's
        sweep, which casts pending runs again.

        :raises oslo_messaging.MessageUndeliverable: no queue is bound to
            the topic.
        :raises oslo_messaging.MessageDeliveryFailure: the broker could
            not be reached within ``retry``.
        """
        if self.sends_cast_time:
            version, sent_at = '1.1', cast_at
        else:
            version, sent_at = '1.0', None
        client = self._client.prepare(version=version, retry=retry)
        client.cast({}, 'execute_runs', **executor_messages.cast_arguments(
            run_ids, sent_at))
