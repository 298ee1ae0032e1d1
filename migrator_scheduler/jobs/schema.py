"""Validation of job arguments against a driver's JSON Schema."""

from __future__ import annotations

import jsonschema

from migrator_scheduler import exception

PREFIX = 'job.args'

# Compiled validators by schema identity: schemas are class constants.
_validators: dict[int, jsonschema.protocols.Validator] = {}


def _validator(args_schema: dict) -> jsonschema.protocols.Validator:
    found = _validators.get(id(args_schema))
    if found is None or found.schema is not args_schema:
        found = jsonschema.Draft202012Validator(
            args_schema, format_checker=jsonschema.FormatChecker())
        _validators[id(args_schema)] = found
    return found


def _field(error: jsonschema.ValidationError, prefix: str) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == 'additionalProperties':
        # The schema names no field: the unknown ones are in the message.
        extra = sorted(set(error.instance) - set(
            error.schema.get('properties', {})))
        path += extra[:1]
    elif error.validator == 'required':
        path.append(error.message.split("'")[1])
    return '.'.join([prefix, *path])


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == 'additionalProperties':
        return 'unknown field'
    if error.validator == 'required':
        return 'required field is missing'
    return error.message


def validate(args_schema: dict, args: dict, prefix: str = PREFIX) -> None:
    """Raise :class:`InvalidInput` for the first error of ``args``.

    Errors are ordered by their path, so the same document always reports
    the same field first.
    """
    found = sorted(_validator(args_schema).iter_errors(args),
                   key=lambda e: [str(p) for p in e.absolute_path])
    if found:
        error = found[0]
        raise exception.InvalidInput(_field(error, prefix), _message(error))
