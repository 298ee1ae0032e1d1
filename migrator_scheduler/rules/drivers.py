"""Names of the installed job drivers."""

import importlib.metadata

from oslo_log import log as logging

from migrator_scheduler import exception
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


def check_job_args(job_type: str, args: dict) -> None:
    """Validate ``args`` with the schema of the driver ``job_type``.

    :raises InvalidInput: naming the wrong field (``job.args.url``), or
        ``job.type`` when the driver cannot be loaded.
    """
    try:
        cls = jobs.get_driver_class(job_type)
    except exception.JobDriverNotFound as exc:
        raise exception.InvalidInput('job.type', str(exc)) from exc
    cls.validate_args(args)
