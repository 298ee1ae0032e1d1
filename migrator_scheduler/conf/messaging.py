"""Options of oslo.messaging: ``transport_url`` and ``[oslo_messaging_*]``.

The default transport is the in-process ``fake://`` driver of the
all-in-one mode; production sets ``transport_url = rabbit://...``.
"""

from oslo_config import cfg
import oslo_messaging
from oslo_messaging import opts as messaging_opts

# Defaults of this project for options oslo.messaging owns, by group.
#
# An executor acknowledges a message when a server thread takes it, then
# holds it until job slots free up: few threads and a small prefetch keep
# a burst in the queue, shared between executors, instead of hoarded (and
# at risk) in one of them.
#
# Reconnection: oslo.messaging waits 1 s before its second attempt to
# reach a lost broker and 2 s longer before each next one (plus
# kombu_reconnect_delay, 1 s), up to 30 s. After a 30 s RabbitMQ outage
# executors were measured back 6-11 s after the broker, after a longer
# one they may take over 30 s, and until then nothing runs. Growing by
# 1 s up to 5 s brings every process back within about 6 s of the broker
# (measured 3-5 s after a 30 s outage) for one connection attempt per
# process every 6 s while the broker is away.
_DEFAULTS = {
    None: {'transport_url': 'fake://', 'executor_thread_pool_size': 4},
    'oslo_messaging_rabbit': {'rabbit_qos_prefetch_count': 2,
                              'rabbit_retry_backoff': 1,
                              'rabbit_interval_max': 5},
}


def register_opts(conf: cfg.ConfigOpts) -> None:
    # The options registered must equal oslo.messaging's own, which it
    # registers again when a transport is built: defaults are therefore
    # set on ``conf``, not on the option objects.
    oslo_messaging.set_transport_defaults(control_exchange='migrator')
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    for group, defaults in _DEFAULTS.items():
        for name, value in defaults.items():
            conf.set_default(name, value, group=group)


def list_opts() -> dict:
    listed = {}
    for group, opts in messaging_opts.list_opts():
        # Copies made for the sample and docs only, so they may carry
        # this project's defaults.
        cfg.set_defaults(opts, **_DEFAULTS.get(group, {}))
        listed[group or 'DEFAULT'] = opts
    return listed
