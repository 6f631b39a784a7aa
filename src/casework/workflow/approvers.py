"""A workflow's dated approvers (the `approvers` entry of its `meta:` block).

Who takes a decision can depend on the level of the record's unit and on the date of the
decision: since 2025-07-01 a commune's drug-free recognition goes to the province, a
village's to the commune (WORKFLOWS.md §11). The table is law, so it is data::

    approvers:
      levels: {village: [village, residential_group], commune: [ward, commune]}
      periods:
        - from: 2022-01-01
          basis: ...
          village: city_authority
          commune: city_authority
        - from: 2025-07-01
          basis: ...
          village: {role: commune_chair, verified: false, source: ...}
          commune: province_authority

A period runs from its `from` until the next one's; every period names a role for every
level. A role given as a mapping carries its provenance (`verified`, `source`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Approver:
    """The role that decides at one level in one period, and how sure we are of it."""

    role: str
    level: str
    start: date
    basis: str
    verified: bool = True
    source: str | None = None


@dataclass(frozen=True)
class ApproverTable:
    levels: dict[str, tuple[str, ...]]       # level -> the unit kinds at that level
    periods: tuple[tuple[date, str, dict[str, Approver]], ...]   # oldest first

    def level_of(self, unit_kind: str) -> str | None:
        return next((lvl for lvl, kinds in self.levels.items() if unit_kind in kinds), None)

    def approver(self, unit_kind: str, day: date) -> Approver | None:
        """The approver of a unit of ``unit_kind`` on ``day`` (None: no level, or before the
        first period)."""
        level = self.level_of(unit_kind)
        return None if level is None else self._at(level, day)

    def roles(self) -> frozenset[str]:
        return frozenset(a.role for _s, _b, by_level in self.periods for a in by_level.values())

    def kinds_for(self, role: str, day: date) -> tuple[str, ...]:
        """The unit kinds whose decisions ``role`` takes on ``day``."""
        return tuple(kind for level, kinds in self.levels.items() for kind in kinds
                     if (a := self._at(level, day)) is not None and a.role == role)

    def _at(self, level: str, day: date) -> Approver | None:
        found = None
        for start, _basis, by_level in self.periods:
            if start <= day:
                found = by_level.get(level)
        return found


Problem = Callable[[str], None]


def read_approvers(value: Any, problem: Problem) -> ApproverTable | None:
    """Parse the `approvers` entry; each mistake goes to ``problem`` (then None)."""
    if not isinstance(value, dict) or set(value) != {"levels", "periods"}:
        problem("meta 'approvers' needs exactly `levels` and `periods`")
        return None
    levels = _levels(value["levels"], problem)
    raw_periods = value["periods"]
    if levels is None or not isinstance(raw_periods, list) or not raw_periods:
        if not isinstance(raw_periods, list) or not raw_periods:
            problem("meta 'approvers': `periods` must be a non-empty list")
        return None
    periods = []
    for index, raw in enumerate(raw_periods, 1):
        period = _period(raw, index, levels, problem)
        if period is None:
            return None
        periods.append(period)
    starts = [p[0] for p in periods]
    if starts != sorted(set(starts)):
        problem("meta 'approvers': periods must be in date order, each `from` a different day")
        return None
    return ApproverTable(levels=levels, periods=tuple(periods))


def _levels(value: Any, problem: Problem) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(value, dict) or not value or not all(
            isinstance(k, str) and isinstance(v, list) and v and all(isinstance(x, str) for x in v)
            for k, v in value.items()):
        problem("meta 'approvers': `levels` maps each level to a list of unit kinds")
        return None
    seen: set[str] = set()
    for kinds in value.values():
        if seen & set(kinds):
            problem(f"meta 'approvers': unit kind {sorted(seen & set(kinds))[0]!r} is at two "
                    "levels")
            return None
        seen |= set(kinds)
    return {k: tuple(v) for k, v in value.items()}


def _period(raw: Any, index: int, levels: dict, problem: Problem):
    where = f"meta 'approvers', period {index}"
    if not isinstance(raw, dict):
        problem(f"{where} must be a mapping")
        return None
    start, basis = raw.get("from"), raw.get("basis")
    if not isinstance(start, date) or hasattr(start, "hour"):
        problem(f"{where}: `from` must be a date like 2025-07-01")
        return None
    if not isinstance(basis, str) or not basis.strip():
        problem(f"{where}: `basis` (the legal basis) is required")
        return None
    extra = set(raw) - {"from", "basis"} - set(levels)
    missing = set(levels) - set(raw)
    if extra or missing:
        problem(f"{where}: " + (f"unknown level {sorted(extra)[0]!r}" if extra
                                else f"no role for level {sorted(missing)[0]!r}"))
        return None
    by_level = {}
    for level in levels:
        item = raw[level]
        if isinstance(item, str):
            item = {"role": item}
        if (not isinstance(item, dict) or not isinstance(item.get("role"), str)
                or set(item) - {"role", "verified", "source"}
                or not isinstance(item.get("verified", True), bool)):
            problem(f"{where}, {level}: a role, or {{role, verified, source}}")
            return None
        if item.get("verified") is False and not item.get("source"):
            problem(f"{where}, {level}: an unverified role needs its `source`")
            return None
        by_level[level] = Approver(role=item["role"], level=level, start=start,
                                   basis=" ".join(basis.split()),
                                   verified=item.get("verified", True),
                                   source=item.get("source"))
    return start, basis, by_level
