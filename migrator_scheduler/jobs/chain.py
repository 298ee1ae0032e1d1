"""A job that runs other jobs one after the other, as one run.

The steps share the run: its id (the idempotency key of their side
effects), deadline, cancellation and claim. The first step that fails
ends the chain. A run executed again starts again from the first step,
so steps should be idempotent, as ``openstack_snapshot`` is.
"""

from __future__ import annotations

import time

from migrator_scheduler import exception
from migrator_scheduler import jobs
from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import schema

JOB_TYPE = 'chain'
MAX_STEPS = 10


def step_label(index: int, step: dict) -> str:
    """How logs and errors name a step: ``step 1 (sync, http)``."""
    name = step.get('name')
    return f'step {index} ({name}, {step["type"]})' if name else \
        f'step {index} ({step["type"]})'


class ChainJob(base.JobDriver):
    """Runs ``steps`` in order, stopping at the first that fails.

    Its result lists each step's outcome: index, name, type, state,
    seconds and result. When a step fails, the outcomes so far are logged
    and the error is raised again naming the step; a
    :class:`PermanentJobError` stays permanent and a cancellation or a
    lost claim is raised unchanged.
    """

    args_schema = {
        'type': 'object',
        'properties': {
            'steps': {
                'type': 'array', 'minItems': 1, 'maxItems': MAX_STEPS,
                'items': {
                    'type': 'object',
                    'properties': {
                        'name': {'type': 'string', 'minLength': 1,
                                 'maxLength': 64},
                        'type': {'type': 'string', 'minLength': 1,
                                 'maxLength': 255},
                        'args': {'type': 'object'},
                    },
                    'required': ['type'],
                    'additionalProperties': False,
                },
            },
        },
        'required': ['steps'],
        'additionalProperties': False,
    }

    @classmethod
    def validate_args(cls, args: dict) -> None:
        """Check the chain, then each step's arguments with its driver,
        naming fields like ``job.args.steps.1.args.url``."""
        super().validate_args(args)
        names: set[str] = set()
        for index, step in enumerate(args['steps']):
            field = f'{schema.PREFIX}.steps.{index}'
            name = step.get('name')
            if name is not None:
                if name in names:
                    raise exception.InvalidInput(
                        f'{field}.name', f'another step is named {name!r}')
                names.add(name)
            _validate_step(step, field)

    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        outcomes: list[dict] = []
        for index, step in enumerate(args['steps']):
            context.check()
            label = step_label(index, step)
            outcome = {'index': index, 'name': step.get('name'),
                       'type': step['type']}
            started = time.monotonic()
            try:
                driver = jobs.get_driver(step['type'])
                result = driver.execute(context, step.get('args', {}))
            except Exception as exc:
                outcome.update(state='failed', error=f'{exc}'[:500],
                               seconds=round(time.monotonic() - started, 3))
                outcomes.append(outcome)
                context.log.warning('Chain stopped: %s failed: %s; steps: %s',
                                    label, exc, outcomes)
                if isinstance(exc, (errors.JobCancelled, errors.ClaimLost)):
                    # Told apart by their type: raised unchanged.
                    raise
                raise _step_error(label, exc) from exc
            outcome.update(state='succeeded', result=result,
                           seconds=round(time.monotonic() - started, 3))
            outcomes.append(outcome)
            context.log.info('Chain %s succeeded in %.3fs', label,
                             outcome['seconds'])
        return {'steps': outcomes}


def _validate_step(step: dict, field: str) -> None:
    if step['type'] == JOB_TYPE:
        raise exception.InvalidInput(f'{field}.type',
                                     'a chain cannot contain a chain')
    try:
        cls = jobs.get_driver_class(step['type'])
    except exception.JobDriverNotFound as exc:
        raise exception.InvalidInput(f'{field}.type', str(exc)) from exc
    try:
        cls.validate_args(step.get('args', {}))
    except exception.InvalidInput as exc:
        # The driver names its own fields (job.args.url): they are the
        # step's (job.args.steps.1.args.url).
        name = exc.field
        if name == schema.PREFIX or name.startswith(schema.PREFIX + '.'):
            name = f'{field}.args{name[len(schema.PREFIX):]}'
        raise exception.InvalidInput(name, exc.message) from exc


def _step_error(label: str, exc: Exception) -> errors.JobError:
    message = f'{label} failed: {type(exc).__name__}: {exc}'
    if isinstance(exc, errors.PermanentJobError):
        return errors.PermanentJobError(message)
    return errors.JobError(message)
