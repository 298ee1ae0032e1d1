"""Fault suite: what operators meet, on real servers and processes.

Each module takes one fault (a server restarted, a process frozen, cut
off or with a wrong clock) to a running deployment and checks that every
fire time still runs exactly once, and how long the deployment took to
recover. The length of outages and the number of rounds come from
:mod:`.profile`: a short profile runs in CI, a long one on demand.
"""
