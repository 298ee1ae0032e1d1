"""Property tests of rule documents, rule files, zones, intervals and job
arguments: whatever comes in, validation accepts it or says which field
is wrong, and nothing else happens."""

import datetime
import json

from hypothesis import given
from hypothesis import strategies as st
import yaml

from migrator_scheduler import exception
from migrator_scheduler.rules import fields
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import spec
from migrator_scheduler.rules import yaml_extent
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers import helpers
from migrator_scheduler.tests.unit.triggers import test_properties
from migrator_scheduler.triggers import interval
from migrator_scheduler.triggers import zones

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)
DEFAULTS = spec.RuleDefaults(num_buckets=64,
                             job_types=frozenset({'noop', 'sleep'}))
examples = helpers.examples

# Whatever a YAML or JSON parser can hand over.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.text(max_size=20),
    st.datetimes(timezones=st.none() | st.just(UTC)), st.dates())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=8) | st.integers() | st.none(), inner,
        max_size=4),
    max_leaves=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(
        allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=8), inner, max_size=4),
    max_leaves=20)

timestamps = st.datetimes(
    min_value=datetime.datetime(2020, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.just(UTC) | st.just(datetime.timezone(
        datetime.timedelta(hours=8))))
triggers_ = st.one_of(
    st.fixed_dictionaries({
        'kind': st.just('cron'), 'expression': test_properties.expressions,
        'timezone': test_properties.zones}),
    st.fixed_dictionaries({
        'kind': st.just('interval'),
        'expression': test_properties.periods | st.integers(1, 10 ** 6)},
        optional={'start_at': timestamps.map(datetime.datetime.isoformat)}),
    st.fixed_dictionaries({
        'kind': st.just('oneshot'),
        'expression': timestamps.map(datetime.datetime.isoformat)},
        optional={'timezone': test_properties.zones}),
)
documents = st.fixed_dictionaries(
    {'name': st.text(min_size=1, max_size=40),
     'job': st.fixed_dictionaries(
         {'type': st.sampled_from(['noop', 'sleep'])},
         optional={'args': st.dictionaries(st.text(max_size=8),
                                           json_values, max_size=4)}),
     'trigger': triggers_},
    optional={
        'project_id': st.text(min_size=1, max_size=20),
        'description': st.text(max_size=50),
        'misfire_policy': st.sampled_from(['skip', 'fire_once',
                                           'fire_all']),
        'misfire_grace_time': st.integers(0, 3600),
        'paused': st.booleans(),
    })


@st.composite
def damaged_documents(draw):
    """A plausible document with one value replaced by anything."""
    document = draw(documents)
    path = draw(st.sampled_from([
        ('name',), ('project_id',), ('id',), ('description',), ('job',),
        ('job', 'type'), ('job', 'args'), ('trigger',),
        ('trigger', 'kind'), ('trigger', 'expression'),
        ('trigger', 'timezone'), ('trigger', 'start_at'),
        ('trigger', 'end_at'), ('misfire_policy',), ('misfire_grace_time',),
        ('paused',), ('unknown',), ('trigger', 'unknown')]))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(values)
    return document


def _check_errors(document, errors) -> None:
    names = set(spec._KEYS) | {'rule'}
    if isinstance(document, dict):
        names |= {fields.key_field('', key) for key in document}
    for error in errors:
        assert isinstance(error, exception.InvalidInput)
        assert error.field and error.message
        assert any(error.field == name or error.field.startswith(
            (f'{name}.', f'{name}[')) for name in names), error
        # One line, naming the field.
        assert '\n' not in str(error)


@examples(200)
@given(document=documents | damaged_documents() | values)
def test_validation_accepts_or_names_a_field(document):
    values_, errors = spec.check_rule(document, DEFAULTS, NOW)
    assert (values_ is None) == bool(errors)
    _check_errors(document, errors)


@examples(150)
@given(document=documents, fmt=st.sampled_from(rules_io.FORMATS))
def test_accepted_documents_survive_export_and_import(document, fmt):
    values_, errors = spec.check_rule(document, DEFAULTS, NOW)
    if errors:
        _check_errors(document, errors)
        return
    text = rules_io.dump_rules([spec.rule_to_document(values_)], fmt)
    [again] = rules_io.load_rules(text, fmt, DEFAULTS, NOW)
    assert again.values == values_
    assert spec.same_definition(again.values, values_)


@examples(200)
@given(expression=st.text(alphabet='0123456789*/,-@ ?LW#abcdefhjmnorstuy',
                          max_size=30) | st.text(max_size=30),
       after=test_properties.instants)
def test_any_cron_text_builds_or_names_the_expression(expression, after):
    try:
        trigger = triggers.build_trigger('cron', expression, 'UTC')
    except exception.InvalidTrigger as error:
        assert error.field == 'trigger.expression'
        return
    fire = trigger.next_fire(after)
    assert fire is None or fire > after


@examples(200)
@given(name=st.text(max_size=30) | st.sampled_from(
    sorted(zones.available_timezones())))
def test_any_zone_name_loads_or_names_the_timezone(name):
    try:
        zone = zones.load_timezone(name)
    except exception.InvalidTrigger as error:
        assert error.field == 'trigger.timezone'
        assert name not in zones.available_timezones()
        return
    assert name in zones.available_timezones()
    assert zone is zones.load_timezone(name)
    assert str(zone) == name


_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}


@examples(200)
@given(number=st.integers(0, 10 ** 13), unit=st.sampled_from(list(_UNITS)),
       upper=st.booleans(), junk=st.text(st.characters(
           blacklist_characters='0123456789smhdSMHD'), max_size=3))
def test_intervals(number, unit, upper, junk):
    text = f'{number}{unit.upper() if upper else unit}{junk}'
    seconds = number * _UNITS[unit]
    valid = (junk.strip() == '' and len(str(number)) <= 12
             and 1 <= seconds <= 366 * 86400)
    try:
        period = interval.parse_period(text)
    except exception.InvalidTrigger as error:
        assert error.field == 'trigger.expression'
        assert not valid
        return
    assert valid
    assert period == datetime.timedelta(seconds=seconds)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@examples(300)
@given(value=json_values | values, max_bytes=st.integers(2, 300),
       max_depth=st.integers(1, 5))
def test_job_args_limits_match_json(value, max_bytes, max_depth):
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=False)
        storable = json.loads(text) == value
    except (TypeError, ValueError):
        storable = False
    fits = storable and (len(text) <= max_bytes
                         and _depth(value) <= max_depth)
    try:
        fields.json_value(value, 'job.args', max_bytes, max_depth)
    except exception.InvalidInput as error:
        assert error.field.startswith('job.args')
        assert not fits
        return
    assert fits


@examples(100)
@given(value=json_values, copies=st.integers(1, 5))
def test_aliases_count_as_written_out(value, copies):
    shared = {'items': [value] * copies}
    with_aliases = yaml.safe_dump(shared)
    written_out = yaml.safe_dump(json.loads(json.dumps(shared)))
    measure = [yaml_extent.measure(yaml.compose(text), 10 ** 9, 10 ** 3)
               for text in (with_aliases, written_out)]
    assert measure[0] == measure[1]
