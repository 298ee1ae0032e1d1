"""Options of oslo.messaging: ``transport_url`` and ``[oslo_messaging_*]``.

The default transport is the in-process ``fake://`` driver of the
all-in-one mode; production sets ``transport_url = rabbit://...``.
"""

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

# Defaults of this project for options oslo.messaging owns. An executor
# acknowledges a message when a server thread takes it, then holds it
# until job slots free up: few threads and a small prefetch keep a burst
# in the queue, shared between executors, instead of hoarded (and at
# risk) in one of them.
_DEFAULTS = {
    'transport_url': 'fake://',
    'control_exchange': 'migrator',
    'executor_thread_pool_size': 4,
    'rabbit_qos_prefetch_count': 2,
}


def set_defaults() -> None:
    """Apply this project's defaults to oslo.messaging's options."""
    for _group, opts in messaging_opts.list_opts():
        cfg.set_defaults(opts, **{
            opt.dest: _DEFAULTS[opt.dest] for opt in opts
            if opt.dest in _DEFAULTS})


def register_opts(conf: cfg.ConfigOpts) -> None:
    set_defaults()
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)


def list_opts() -> dict:
    return {group or 'DEFAULT': opts
            for group, opts in messaging_opts.list_opts()}
