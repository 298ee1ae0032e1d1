"""Rules with an ``http`` job are checked when written, naming the field."""

import pytest

from migrator_scheduler import exception
from migrator_scheduler.jobs import http

URL = 'https://api.example.org/v1/hosts/{args.host}/sync'


def _field(args):
    with pytest.raises(exception.InvalidInput) as caught:
        http.HttpJob.validate_args(args)
    return caught.value.field


def test_complete_arguments_are_accepted():
    http.HttpJob.validate_args({
        'method': 'PUT', 'url': URL, 'vars': {'host': 'web01'},
        'body': {'at': '{nominal_time}', 'n': [1, None, '{{x}}']},
        'headers': {'OpenStack-API-Version': 'migration 2.5',
                    'X-Rule': '{rule_name}'},
        'expected_status': [200, 202], 'timeout': 10,
        'poll': {'status_url_field': 'task.links.0.href',
                 'status_field': 'task.status', 'success_values': ['ok'],
                 'failure_values': ['ko'], 'interval': 1,
                 'max_interval': 30, 'timeout': 600}})
    http.HttpJob.validate_args({'url': 'http://10.0.0.1:8779/x',
                                'poll': False})


@pytest.mark.parametrize('args, field', [
    ({}, 'job.args.url'),
    ({'url': URL, 'vars': {'host': 'h'}, 'verify': False}, 'job.args.verify'),
    ({'url': 5}, 'job.args.url'),
    ({'url': 'ftp://api/x'}, 'job.args.url'),
    ({'url': '/relative'}, 'job.args.url'),
    ({'url': 'http://api:99999/'}, 'job.args.url'),
    ({'url': 'http://user:pw@api/'}, 'job.args.url'),
    ({'url': 'http://api/a b'}, 'job.args.url'),
    ({'url': URL}, 'job.args.url'),
    ({'url': 'http://api/', 'method': 'HEAD'}, 'job.args.method'),
    ({'url': 'http://api/', 'method': 'GET', 'body': {}}, 'job.args.body'),
    ({'url': 'http://api/', 'body': {'a': ['x', '{nope}']}},
     'job.args.body.a.1'),
    ({'url': 'http://api/', 'headers': {'X-A': 1}}, 'job.args.headers.X-A'),
    ({'url': 'http://api/', 'headers': {'X-A': 'a\r\nB: c'}},
     'job.args.headers.X-A'),
    ({'url': 'http://api/', 'headers': {'X-A': '{nope}'}},
     'job.args.headers.X-A'),
    ({'url': 'http://api/', 'headers': {'bad name': 'x'}},
     'job.args.headers.bad name'),
    ({'url': 'http://api/', 'headers': {'authorization': 'Bearer x'}},
     'job.args.headers.authorization'),
    ({'url': 'http://api/', 'headers': {'X-Auth-Token': 'x'}},
     'job.args.headers.X-Auth-Token'),
    ({'url': 'http://api/', 'headers': {'Idempotency-Key': 'x'}},
     'job.args.headers.Idempotency-Key'),
    ({'url': 'http://api/', 'vars': {'1x': 'a'}}, 'job.args.vars.1x'),
    ({'url': 'http://api/', 'vars': {'x': 1}}, 'job.args.vars.x'),
    ({'url': 'http://api/', 'expected_status': [404]},
     'job.args.expected_status.0'),
    ({'url': 'http://api/', 'timeout': 0}, 'job.args.timeout'),
    ({'url': 'http://api/', 'poll': {'interval': 'x'}},
     'job.args.poll.interval'),
    ({'url': 'http://api/', 'poll': {'statusfield': 'x'}},
     'job.args.poll.statusfield'),
    ({'url': 'http://api/', 'poll': {'status_field': 'a..b'}},
     'job.args.poll.status_field'),
    ({'url': 'http://api/', 'poll': {'success_values': []}},
     'job.args.poll.success_values'),
    ({'url': 'http://api/', 'poll': 'yes'}, 'job.args.poll'),
    ({'url': 'http://169.254.169.254/latest/meta-data'}, 'job.args.url'),
    ({'url': 'http://[fd00:ec2::254]/'}, 'job.args.url'),
])
def test_bad_arguments_name_their_field(args, field):
    assert _field(args) == field


def test_metadata_address_allowed_when_listed(conf):
    conf.config(allowed_destinations=['169.254.169.254'], group='http_job')
    http.HttpJob.validate_args({'url': 'http://169.254.169.254/x'})


def test_allow_list_refuses_other_literal_hosts(conf):
    conf.config(allowed_destinations=['api.example.org', '10.0.0.0/8'],
                group='http_job')
    http.HttpJob.validate_args({'url': 'https://api.example.org/x'})
    http.HttpJob.validate_args({'url': 'https://10.2.3.4/x'})
    assert _field({'url': 'https://192.0.2.1/x'}) == 'job.args.url'


def test_bad_allow_list_is_a_configuration_error(conf):
    conf.config(allowed_destinations=['not a host'], group='http_job')
    with pytest.raises(exception.ConfigurationError,
                       match='allowed_destinations'):
        http.HttpJob.validate_args({'url': 'https://api/x'})


def test_loading_the_driver_does_not_import_keystoneauth():
    import subprocess
    import sys
    code = ('import sys\n'
            'from migrator_scheduler import jobs\n'
            'cls = jobs.get_driver_class("http")\n'
            'cls.validate_args({"url": "https://api/x"})\n'
            'print("keystoneauth1" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-W', 'ignore', '-c', code],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'False'
