"""Benchmarks of migrator-scheduler on real servers.

A run starts a private ZooKeeper, uses this machine's RabbitMQ and
PostgreSQL (a throw-away virtual host and database), runs the real
``migrator-scheduler`` and ``migrator-scheduler-executor`` processes and
measures them from the outside: the ``runs`` table for lag and
exactly-once, ``/proc`` for CPU and memory, ZooKeeper for membership.
See ``doc/source/admin/benchmarks.rst``.
"""
