"""Processes as /proc shows them: who is whose child (used to reap sandboxes and to charge time)."""
from __future__ import annotations

from pathlib import Path


def children_by_parent() -> dict[int, list[int]]:
    """parent pid → pids of its children, from one scan of /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def child_pids(parent: int) -> list[int]:
    """Pids of the processes whose parent is `parent`."""
    return children_by_parent().get(parent, [])


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it."""
    children = children_by_parent()
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree
