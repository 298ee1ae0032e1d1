"""The sample rule file of the quick start stays valid and lively."""

import datetime
import os

import migrator_scheduler
from migrator_scheduler.rules import drivers
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import spec

SAMPLE = os.path.join(os.path.dirname(migrator_scheduler.__file__),
                      os.pardir, 'etc', 'migrator-scheduler',
                      'sample-rules.yaml')
NOW = datetime.datetime(2030, 1, 1, 0, 0, 1, tzinfo=datetime.timezone.utc)


def test_sample_rules_fire_within_a_minute():
    defaults = spec.RuleDefaults(num_buckets=1024,
                                 job_types=frozenset({'noop', 'sleep'}))
    rules = [rule.values for rule in rules_io.load_rules_file(
        SAMPLE, defaults, NOW)]
    soon = [rule for rule in rules if rule['next_fire_at'] is not None
            and rule['next_fire_at'] - NOW <= datetime.timedelta(minutes=1)]
    assert len(soon) >= 4
    assert {rule['trigger_kind'] for rule in soon} == {'cron', 'interval'}
    assert any(rule['paused'] for rule in rules)


def test_the_nightly_sample_is_valid_for_the_installed_drivers():
    nightly = os.path.join(os.path.dirname(SAMPLE),
                           'sample-nightly-rules.yaml')
    defaults = spec.RuleDefaults(
        num_buckets=1024, job_types=drivers.installed_job_types(),
        check_job_args=drivers.check_job_args)
    [rule] = [rule.values for rule in rules_io.load_rules_file(
        nightly, defaults, NOW)]
    assert rule['job_type'] == 'chain'
    assert (rule['overlap_policy'], rule['concurrency_key'],
            rule['spread_window'], rule['job_timeout']) == (
                'skip', 'cloud-east', 1800, 3600)
    # 02:00 in Shanghai.
    assert rule['next_fire_at'].hour == 18
