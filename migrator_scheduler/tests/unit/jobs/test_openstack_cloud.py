"""Which OpenStack errors fail a run for good."""

from __future__ import annotations

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import pytest
import requests

from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import openstack_cloud


def _http_error(status: int) -> sdk_exc.HttpException:
    response = requests.Response()
    response.status_code = status
    return sdk_exc.HttpException('refused', response=response)


def _raise(exc: Exception) -> None:
    with openstack_cloud.translate_errors('creating snapshot'):
        raise exc


@pytest.mark.parametrize('status', [400, 401, 403, 404])
def test_client_errors_are_permanent(status):
    with pytest.raises(errors.PermanentJobError,
                       match='^creating snapshot: '):
        _raise(_http_error(status))


@pytest.mark.parametrize('status', [408, 409, 429, 500, 503])
def test_other_http_errors_may_be_retried(status):
    with pytest.raises(sdk_exc.HttpException):
        _raise(_http_error(status))


def test_keystone_refusal_is_permanent():
    with pytest.raises(errors.PermanentJobError):
        _raise(ks_exc.Unauthorized('bad password'))


def test_missing_endpoint_is_permanent():
    with pytest.raises(errors.PermanentJobError):
        _raise(ks_exc.EndpointNotFound('no block-storage'))


def test_network_failure_may_be_retried():
    with pytest.raises(ks_exc.ConnectFailure):
        _raise(ks_exc.ConnectFailure('refused'))
