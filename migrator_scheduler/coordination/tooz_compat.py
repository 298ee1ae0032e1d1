"""What differs between the tooz releases the project runs on.

tooz 9, the first with ``get_members_with_capabilities``, needs Python
3.11; on Python 3.10 the newest tooz is 8.1.
"""

from tooz import coordination


def members_with_capabilities(coordinator: coordination.CoordinationDriver,
                              group: bytes, timeout: float | None = None
                              ) -> dict[bytes, object]:
    """Return ``{member id: capabilities}`` of the members of ``group``.

    :param timeout: seconds to wait for each answer; None waits as long
        as the driver does.
    :raises tooz.coordination.GroupNotCreated: no such group.
    """
    bulk = getattr(coordinator, 'get_members_with_capabilities', None)
    if bulk is not None:
        return dict(bulk(group).get(timeout=timeout))
    members = coordinator.get_members(group).get(timeout=timeout)
    # Every request is sent before any answer is awaited.
    requests = {member: coordinator.get_member_capabilities(group, member)
                for member in members}
    found = {}
    for member, request in requests.items():
        try:
            found[member] = request.get(timeout=timeout)
        except coordination.MemberNotJoined:
            # It left between the two reads: it is not a member now.
            continue
    return found
