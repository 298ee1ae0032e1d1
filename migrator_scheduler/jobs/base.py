"""The interface every job driver implements."""

import abc


class JobDriver(abc.ABC):
    """A kind of job a rule can run (stevedore ``migrator_scheduler.jobs``).

    Drivers are instantiated once per executor process and called from
    several threads at once, so ``execute`` must be thread-safe.
    """

    @abc.abstractmethod
    def execute(self, run: dict, args: dict) -> dict | None:
        """Run one job.

        :param run: the run being executed: ``id``, ``rule_id``,
            ``scheduled_for`` (aware UTC datetime) and ``attempt``.
        :param args: the rule's job arguments.
        :returns: a JSON-serialisable result recorded on the run.
        :raises Exception: any error marks the run ``failed`` with it.
        """
