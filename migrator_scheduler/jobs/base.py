"""The interface every job driver implements (version 2).

A driver is a class registered under the ``migrator_scheduler.jobs``
entry point group; see ``doc/source/contributor/job-drivers.rst``.
"""

from __future__ import annotations

import abc

from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import schema

# The version of this interface. A driver states the one it implements in
# ``api_version``; an executor refuses a driver of another version.
API_VERSION = 2


class JobDriver(abc.ABC):
    """A kind of job a rule can run.

    Drivers are instantiated once per executor process and called from
    several threads at once, so ``execute`` must be thread-safe. Heavy
    client libraries are imported in ``execute``, not at module level:
    the manage CLI loads drivers to validate arguments.
    """

    #: The interface version this driver implements.
    api_version: int = API_VERSION

    #: JSON Schema (draft 2020-12) of the ``job.args`` of a rule.
    args_schema: dict = {'type': 'object', 'additionalProperties': False}

    @classmethod
    def validate_args(cls, args: dict) -> None:
        """Check a rule's arguments when the rule is created or imported.

        :raises migrator_scheduler.exception.InvalidInput: naming the
            first wrong field, e.g. ``job.args.url``.
        """
        schema.validate(cls.args_schema, args)

    @abc.abstractmethod
    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        """Run one job.

        :param context: the run being executed, its deadline, its
            cancellation and its claim (see :class:`JobContext`).
        :param args: the rule's job arguments, already validated.
        :returns: a JSON-serialisable result recorded on the run.
        :raises PermanentJobError: the run fails without retry.
        :raises JobCancelled: the job stopped when asked to
            (``context.check()`` raises it).
        :raises Exception: any other error fails this attempt; the run
            is retried while attempts are left.
        """
