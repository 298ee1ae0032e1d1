"""How large a composed YAML node is once its aliases are written out.

Composing a YAML document is cheap even for an alias bomb: an alias is
one more reference to a node composed once. What costs is everything
done afterwards with the data it stands for (validating, serializing,
storing), so a node is measured, aliases counted at every place they
appear, before anything is constructed from it. Each distinct node is
visited once, so measuring takes time in proportion to the text.
"""

import dataclasses

import yaml

from migrator_scheduler.rules import limits


class TooLarge(ValueError):
    """A node exceeds a limit; the message says which."""


@dataclasses.dataclass(frozen=True)
class Extent:
    """Size of a node with every alias written out.

    :ivar size: about the length of its text: every scalar counts its
        length plus one, every collection two more than its items.
    :ivar depth: 0 for a scalar, one more than its deepest item for a
        collection.
    """

    size: int
    depth: int


def measure(root: yaml.Node, max_size: int, max_depth: int) -> Extent:
    """Return the extent of ``root``.

    :raises TooLarge: past ``max_size`` or ``max_depth``, or when an
        alias refers to a node that contains it (infinite data).
    """
    if isinstance(root, yaml.ScalarNode):
        return _check(Extent(len(root.value) + 1, 0), max_size, max_depth)
    extents: dict[int, Extent] = {}
    open_nodes: set[int] = set()
    # (node, children measured?): a node is finished after its children.
    stack = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if ready:
            open_nodes.discard(key)
            extents[key] = _check(_collection(node, extents), max_size,
                                  max_depth)
        elif key in open_nodes:
            raise TooLarge('an alias refers to a node that contains it')
        elif key not in extents:
            open_nodes.add(key)
            stack.append((node, True))
            # Scalars, most of the nodes, are measured with their parent.
            stack.extend((child, False) for child in _children(node)
                         if not isinstance(child, yaml.ScalarNode))
    return extents[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return node.value


def _collection(node: yaml.Node, extents: dict[int, Extent]) -> Extent:
    size, depth = 2, 0
    for child in _children(node):
        if isinstance(child, yaml.ScalarNode):
            size += len(child.value) + 1
        else:
            extent = extents[id(child)]
            size += extent.size
            depth = max(depth, extent.depth)
    return Extent(size, depth + 1)


def _check(extent: Extent, max_size: int, max_depth: int) -> Extent:
    if extent.size > max_size:
        raise TooLarge(f'with its aliases written out it is larger than '
                       f'{limits.describe(max_size)}')
    if extent.depth > max_depth:
        raise TooLarge(f'nested more than {max_depth} levels deep')
    return extent
