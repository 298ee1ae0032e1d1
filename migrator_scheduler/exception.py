"""Typed errors raised by migrator-scheduler.

Every error carries a message fit to show an operator; errors about user
input name the field (or file line/item) that is wrong.
"""


class MigratorSchedulerError(Exception):
    """Base class of every error this project raises on purpose."""


class InvalidInput(MigratorSchedulerError, ValueError):
    """A value supplied by a user is not acceptable.

    :param field: name of the offending field, e.g. ``trigger.expression``.
    :param message: what is wrong with it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f'{field}: {message}')


class InvalidTrigger(InvalidInput):
    """A trigger expression, timezone or bound cannot be used."""


class InvalidRuleFile(MigratorSchedulerError, ValueError):
    """A rule import file is malformed; names the item and line if known."""


class NotFound(MigratorSchedulerError, LookupError):
    """A requested object does not exist."""


class RuleNotFound(NotFound):
    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f'rule {rule_id} not found')


class RunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f'run {run_id} not found')


class Conflict(MigratorSchedulerError):
    """The request conflicts with the stored state."""


class DuplicateRule(Conflict):
    """A rule was written with the id, or project and name, of another.

    Callers that can name the rules involved check for this first; it
    is what is left when another writer was quicker.
    """

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        same = ' and '.join(columns) or 'id or project and name'
        super().__init__(f'a rule with the same {same} already exists; '
                         f'nothing was written')


class BucketCountMismatch(MigratorSchedulerError):
    """The configured number of buckets differs from the deployment's."""

    def __init__(self, configured: int, stored: int) -> None:
        self.configured = configured
        self.stored = stored
        super().__init__(
            f'[scheduler] num_buckets is {configured} but this deployment '
            f'was created with {stored}; the bucket count cannot change '
            f'once rules exist')


class ConfigurationError(MigratorSchedulerError):
    """The combination of configuration options cannot work."""


class JobDriverNotFound(NotFound):
    def __init__(self, job_type: str, why: str | None = None) -> None:
        self.job_type = job_type
        message = f'no job driver named {job_type!r}'
        if why:
            message = f'job driver {job_type!r} cannot be used: {why}'
        super().__init__(message)
