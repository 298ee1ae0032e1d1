"""Options of the ``[http_job]`` group, used by the ``http`` job driver.

Besides its own options, the group holds keystoneauth1's session options
(``cafile``, ``certfile``, ``keyfile``, ``insecure``, ``timeout``...) and
authentication options (``auth_type`` and the options of the chosen
plugin). The driver registers those when it first runs, so commands that
never call an HTTP API do not import keystoneauth1; :func:`list_opts`
lists them for the sample configuration.
"""

from __future__ import annotations

from oslo_config import cfg

from migrator_scheduler.conf import keystoneauth

GROUP = cfg.OptGroup(
    'http_job',
    title='HTTP job options',
    help='Credentials, TLS settings and allowed destinations of the '
         '``http`` job driver, which calls the migration platform\'s REST '
         'API. Credentials come only from here, never from rule '
         'arguments. Set ``auth_type`` (``password`` or '
         '``v3applicationcredential``, with the options of that plugin) '
         'to authenticate as a service user through Keystone, or '
         '``token`` to send a static token; with neither, requests are '
         'sent without credentials.')

# Seconds one request may take, unless a rule sets ``timeout``.
DEFAULT_TIMEOUT = 30

# The keystoneauth1 plugins shown in the sample configuration.
AUTH_PLUGINS = ('password', 'v3applicationcredential')

_opts = [
    cfg.ListOpt(
        'allowed_destinations',
        default=[],
        help='Where ``http`` jobs may send requests: host names '
             '(``api.example.org``), ``host:port`` pairs '
             '(``api.example.org:8779``, ``[2001:db8::1]:443``), IP '
             'addresses or CIDR networks (``10.0.0.0/8``). A host name '
             'entry matches the URL\'s host; otherwise every address the '
             'host resolves to must lie in a listed network. Empty allows '
             'any destination, loopback included, except link-local '
             'addresses (169.254.0.0/16, fe80::/10) and cloud metadata '
             'services (169.254.169.254, fd00:ec2::254), which hand out '
             'instance credentials: those are refused unless an address '
             'or network entry contains them. Set it in production to '
             'the platform API\'s hosts. Checked when a rule is written '
             '(URLs with a literal address) and before each request '
             '(every resolved address).'),
    cfg.StrOpt(
        'token',
        secret=True,
        help='A static token sent as ``X-Auth-Token`` with every request, '
             'for platforms without Keystone. Never logged. Cannot be '
             'combined with ``auth_type``.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(_opts, group=GROUP)


def register_keystoneauth_opts(conf: cfg.ConfigOpts) -> None:
    """Register keystoneauth1's options in the group (idempotent)."""
    keystoneauth.register(conf, GROUP.name, DEFAULT_TIMEOUT)


def list_opts() -> dict:
    return {GROUP: _opts + keystoneauth.sample_opts(AUTH_PLUGINS,
                                                    DEFAULT_TIMEOUT)}
