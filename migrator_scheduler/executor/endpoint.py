"""The executor's RPC endpoint: what a message on the topic may call.

Only :meth:`ExecutorEndpoint.execute_runs` is exposed (the server uses
oslo.messaging's explicit access policy), so no message reaches the
manager's lifecycle methods. Every message is checked before it takes a
job slot or touches the database; one that does not fit is logged in
one line and dropped. oslo.messaging acknowledges a message before this
runs, so a dropped message is gone, like any message of a dying executor.
"""

from __future__ import annotations

from oslo_log import log as logging
import oslo_messaging as messaging

from migrator_scheduler.rpc import executor_api
from migrator_scheduler.rpc import executor_messages

LOG = logging.getLogger(__name__)


class ExecutorEndpoint:
    """Serves the executor RPC API (see :mod:`..rpc.executor_api`)."""

    target = messaging.Target(version=executor_api.RPC_API_VERSION)

    def __init__(self, manager) -> None:
        self._manager = manager

    @messaging.expose
    def execute_runs(self, context: dict, **arguments) -> None:
        """Claim and run ``run_ids``; ``cast_at`` (1.1) is recorded as
        their ``dispatched_at``."""
        request = _checked(arguments)
        if request is not None:
            self._manager.execute_runs(request.run_ids, request.cast_at)


def _checked(arguments: dict) -> executor_messages.ExecuteRuns | None:
    """The checked request, or None once the refusal is logged."""
    try:
        return executor_messages.parse_execute_runs(arguments)
    except executor_messages.InvalidMessage as exc:
        error = str(exc)
    # Logged once the exception is handled: within the handler, oslo.log
    # would append the exception to the line a second time.
    LOG.error('Dropped an invalid execute_runs message: %s', error)
    return None
