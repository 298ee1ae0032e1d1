"""Names of the installed job drivers."""

import importlib.metadata

from oslo_log import log as logging

from migrator_scheduler import jobs

LOG = logging.getLogger(__name__)


def installed_job_types() -> frozenset[str] | None:
    """Return the names registered for job drivers, without loading them.

    None when no driver is registered at all, as when the package runs
    from a source tree without being installed: every name is then
    accepted rather than none.
    """
    names = frozenset(
        entry.name
        for entry in importlib.metadata.entry_points(group=jobs.NAMESPACE))
    if not names:
        LOG.debug('No job driver is registered under %s; job types are '
                    'not checked', jobs.NAMESPACE)
        return None
    return names
