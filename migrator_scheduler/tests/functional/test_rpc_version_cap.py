"""Schedulers capped at executor RPC 1.0, as during a rolling upgrade.

1.0 messages carry no cast time, so the claim cannot record one: the
schedulers' own record of their casts has to give every started run its
``dispatched_at``, never after its start, on each database backend
(which :meth:`Cluster.verify` checks).
"""

import pytest

from migrator_scheduler.tests.functional import cluster as cluster_mod


@pytest.mark.parametrize('backend', ['pg_cluster', 'mysql_cluster'])
def test_a_1_0_cap_still_records_every_cast(backend, request):
    cluster = request.getfixturevalue(backend)
    cluster.overrides = {'executor': {'rpc_version_cap': '1.0'}}
    names = cluster.start(schedulers=2, executors=1)
    rules = cluster_mod.create_rules(
        50, 2, job_args={'record': cluster.record_file})
    cluster.run_for(8, alive=names)
    runs = cluster.finish(rules)
    print(f'{len(runs)} runs cast as RPC 1.0, each with its cast time')
