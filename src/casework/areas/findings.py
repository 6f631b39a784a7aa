"""The findings of one criterion, indexed by the paths of the units above them.

``criteria._judge`` asks, for every unit of a subtree, which findings lie at or below it (and
for C7 also which lie above it). Filtering the whole list per unit is quadratic (28M calls
for a province); here each finding is filed once under each prefix of its path, so a unit's
findings are one look-up. A materialised path ends with a dot ("1.5.23."), so ``p`` is a
prefix of a path at a dot exactly when the path ``startswith(p)``: the answers are the same
findings, in the same order, as the filters ``f.path.startswith(unit.path)`` give.
"""

from __future__ import annotations

from collections import defaultdict


def prefixes(path: str) -> list[str]:
    """"1.5.23." → "1.", "1.5.", "1.5.23." (the paths of a unit and of its ancestors)."""
    out, acc = [], ""
    for part in path.split(".")[:-1]:
        acc += part + "."
        out.append(acc)
    return out


class FindingIndex:
    """Findings (objects with ``path`` and ``severity``) filed by path, kept in their order.

    ``paths`` may be shared by the indexes of one evaluation: each path's prefixes are then
    computed once for all of them (a province's 8 criteria file the same ~8,000 paths)."""

    def __init__(self, findings=(), paths: dict[str, list[str]] | None = None):
        self.findings = list(findings)  # all of them, in their order
        self._order = {id(f): i for i, f in enumerate(self.findings)}
        self._below: dict[str, list] = defaultdict(list)
        self._at: dict[str, list] = defaultdict(list)
        self._above: dict[str, list] = {}  # a parent path's findings at it or above it
        above = {} if paths is None else paths  # a path's prefixes, once for all its findings
        for finding in self.findings:
            path = finding.path
            self._at[path].append(finding)
            found = above.get(path)
            if found is None:
                found = above[path] = prefixes(path)
            for prefix in found:
                self._below[prefix].append(finding)

    def below(self, path: str) -> list:
        """The findings whose path starts with ``path`` (at the unit or under it); the list
        is the index's own: read it, do not change it."""
        return self._below.get(path, [])

    def below_or_above(self, path: str) -> list:
        """The findings at, under or above ``path`` (a path that ``path`` starts with), in
        their order."""
        parent = path[:path.rindex(".", 0, len(path) - 1) + 1] if path.count(".") > 1 else ""
        above = self._above.get(parent)
        if above is None:  # the same for every sibling: a province's villages share ~3,000
            found = [f for prefix in prefixes(parent) for f in self._at.get(prefix, ())]
            above = self._above[parent] = sorted(found, key=lambda f: self._order[id(f)])
        below = self._below.get(path)
        if not below:
            return above
        # Disjoint: a finding above lies at a proper prefix of ``path``, none below does.
        return sorted(below + above, key=lambda f: self._order[id(f)]) if above else below
