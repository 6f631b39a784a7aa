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


def prefixes(path: str):
    """"1.5.23." → "1.", "1.5.", "1.5.23." (the paths of a unit and of its ancestors)."""
    end = path.find(".")
    while end != -1:
        yield path[:end + 1]
        end = path.find(".", end + 1)


class FindingIndex:
    """Findings (objects with ``path`` and ``severity``) filed by path, kept in their order."""

    def __init__(self, findings=()):
        self.findings = list(findings)  # all of them, in their order
        self._below: dict[str, list[tuple[int, object]]] = defaultdict(list)
        self._at: dict[str, list[tuple[int, object]]] = defaultdict(list)
        for i, finding in enumerate(self.findings):
            self._at[finding.path].append((i, finding))
            for prefix in prefixes(finding.path):
                self._below[prefix].append((i, finding))

    def below(self, path: str) -> list:
        """The findings whose path starts with ``path`` (at the unit or under it)."""
        return [f for _, f in self._below.get(path, ())]

    def below_or_above(self, path: str) -> list:
        """The findings at, under or above ``path`` (a path that ``path`` starts with), in
        their order."""
        found = dict(self._below.get(path, ()))
        for prefix in prefixes(path):
            found.update(self._at.get(prefix, ()))
        return [found[i] for i in sorted(found)]
