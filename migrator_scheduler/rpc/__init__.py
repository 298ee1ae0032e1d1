"""Message transport shared by the RPC clients and servers of a process.

Built in :func:`init`, called from a service's ``start()`` (after the
service process forked), never at import.
"""

from __future__ import annotations

import threading

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher

_lock = threading.Lock()
_transport: messaging.Transport | None = None


def init(conf: cfg.ConfigOpts) -> messaging.Transport:
    """Create the process's RPC transport (once) and return it."""
    global _transport
    with _lock:
        if _transport is None:
            _transport = messaging.get_rpc_transport(conf)
        return _transport


def cleanup() -> None:
    """Close the transport; :func:`init` may be called again afterwards."""
    global _transport
    with _lock:
        transport, _transport = _transport, None
    if transport is not None:
        transport.cleanup()


def get_transport() -> messaging.Transport:
    if _transport is None:
        raise RuntimeError('rpc.init() was not called')
    return _transport


def get_server(target: messaging.Target, endpoints: list
               ) -> messaging.rpc.server.RPCServer:
    """Return an RPC server using the threading executor.

    Only endpoint methods decorated with ``oslo_messaging.expose`` can be
    called: anyone who can publish on the topic would otherwise reach
    every public method of an endpoint.
    """
    return messaging.get_rpc_server(
        get_transport(), target, endpoints, executor='threading',
        access_policy=dispatcher.ExplicitRPCAccessPolicy)


def get_client(target: messaging.Target, version_cap: str | None = None,
               transport_options: messaging.TransportOptions | None = None
               ) -> messaging.RPCClient:
    return messaging.get_rpc_client(get_transport(), target,
                                    version_cap=version_cap,
                                    transport_options=transport_options)
