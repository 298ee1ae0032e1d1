"""keystoneauth1 options inside a group of this project's.

Groups whose jobs call OpenStack-style APIs (``[http_job]``,
``[openstack_snapshot]``) hold keystoneauth1's session options
(``cafile``, ``insecure``, ``timeout``...) and authentication options
(``auth_type`` and the options of the chosen plugin), as OpenStack
services hold their service users'. They are registered when a job first
needs them, so processes and commands that never authenticate do not
import keystoneauth1; :func:`sample_opts` lists them for the sample
configuration.
"""

from __future__ import annotations

import collections.abc
import copy

from oslo_config import cfg


def register(conf: cfg.ConfigOpts, group: str, timeout: int) -> None:
    """Register the session and authentication options in ``group``
    (idempotent); the plugin's own options are registered when it is
    loaded. ``timeout`` is this project's default request timeout."""
    from keystoneauth1 import loading

    loading.register_session_conf_options(conf, group)
    loading.register_auth_conf_options(conf, group)
    conf.set_default('timeout', timeout, group=group)


def sample_opts(plugins: collections.abc.Iterable[str],
                timeout: int) -> list[cfg.Opt]:
    """The options :func:`register` adds, with those of ``plugins``, each
    once, for the sample configuration."""
    from keystoneauth1 import loading

    found = (loading.get_session_conf_options() +
             loading.get_auth_common_conf_options())
    for name in plugins:
        found += loading.get_auth_plugin_conf_options(name)
    # Plugins share options (auth_url, ...): each is listed once.
    unique: dict[str, cfg.Opt] = {}
    for opt in found:
        unique.setdefault(opt.dest, opt)
    # Copies, so the sample shows this project's default timeout without
    # touching keystoneauth1's option objects.
    listed = copy.deepcopy(sorted(unique.values(), key=lambda o: o.dest))
    cfg.set_defaults(listed, timeout=timeout)
    return listed
