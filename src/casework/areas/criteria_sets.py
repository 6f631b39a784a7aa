"""Criteria sets as data (WORKFLOWS.md §9): YAML files in ``criteria/``, measures by name.

A criteria set declares its name, legal basis, ``effective_from``, the levels it judges
(``levels``: a name → the org-unit kinds judged at it) and its criteria. Each criterion names
the *measure* it reads, a function registered here with :func:`measure` (as workflow rules
are registered in ``casework.workflow.registry``), and its thresholds:

- ``bands``: named bands (``type_1`` …), each ``{min, below}``: ``min`` inclusive, ``below``
  exclusive; ``components`` gives bands per figure of a measure with several (plants, m²);
- ``threshold``: ``{min}`` for a criterion that is met or not (Art 5); per component too;
- ``route``: the band a route criterion takes from the bands of the others (Art 4 đ);
- ``drug_free: true``: holds when the measure finds nothing (Art 6);
- ``judged: findings``: met, not met or to attest from the findings of its measure and of
  those named by ``also`` (the 8 criteria of ``lai-chau-8``).

A set's ``measures:`` gives the terms each measure reads (months, which kind breaks which
criterion), by measure name.

Numbers are read exactly: ``"0.5%"`` is the fraction 1/200, never a float. Nothing in code
names a threshold. ``casework criteria check`` runs :func:`check_files` over every set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from casework.resources import resource_dir

# --- the measure registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInfo:
    name: str
    func: Callable[..., Any]
    description: Any


MEASURES: dict[str, MeasureInfo] = {}


def measure(name: str, description: Any = ""):
    """Decorator: register a measure under ``name`` (a criterion's ``measure:`` names it)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = MEASURES.get(name)
        if existing is not None and (existing.func.__module__, existing.func.__qualname__) != (
                func.__module__, func.__qualname__):
            raise ValueError(f"measure {name!r} is already registered by {existing.func!r}")
        MEASURES[name] = MeasureInfo(name, func, description)
        return func

    return decorate


# --- the model --------------------------------------------------------------------------------


class CriteriaError(ValueError):
    """A criteria set that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Band:
    name: str
    min: Fraction | None = None  # inclusive
    below: Fraction | None = None  # exclusive

    def holds(self, value: Fraction) -> bool:
        return (self.min is None or value >= self.min) and (
            self.below is None or value < self.below)


@dataclass
class Criterion:
    code: str
    level: str
    labels: dict[str, str]
    measure: str
    params: dict = field(default_factory=dict)
    # component → bands, highest first; "value" for a criterion with one figure
    bands: dict[str, list[Band]] = field(default_factory=dict)
    # component → minimum (inclusive) for a criterion met or not
    threshold: dict[str, Fraction] = field(default_factory=dict)
    route: dict[str, dict] = field(default_factory=dict)
    drug_free: bool = False
    provenance: dict = field(default_factory=dict)
    also: list[str] = field(default_factory=list)
    judged: str | None = None

    @property
    def measures(self) -> list[str]:
        """Every measure the criterion reads, its own first."""
        return [self.measure, *self.also]

    def label(self, locale: str = "vi") -> str:
        return self.labels.get(locale) or self.labels.get("vi") or self.code

    def band_of(self, values: dict[str, Fraction], counts_above: Fraction,
                order: list[str]) -> str | None:
        """The highest band any component reaches; none for a value not above zero."""
        found = []
        for component, bands in self.bands.items():
            value = values.get(component)
            if value is None or value <= counts_above:
                continue
            found += [b.name for b in bands if b.holds(value)]
        return min(found, key=order.index) if found else None

    def meets(self, values: dict[str, Fraction]) -> bool:
        """A threshold criterion: any component at or above its minimum."""
        return any(values.get(c) is not None and values[c] >= m
                   for c, m in self.threshold.items())


@dataclass
class CriteriaSet:
    name: str
    path: Path | None
    title: dict[str, str]
    basis: str
    effective_from: date
    levels: dict[str, list[str]]
    criteria: list[Criterion]
    band_order: list[str] = field(default_factory=list)
    counts_above: Fraction = Fraction(0)
    types: dict[str, dict] = field(default_factory=dict)
    key_province: dict = field(default_factory=dict)
    period: dict = field(default_factory=dict)
    measure_params: dict[str, dict] = field(default_factory=dict)
    articles: list[str] = field(default_factory=list)
    source: str = ""
    verified: bool = False
    raw: dict = field(default_factory=dict)

    def at_level(self, level: str, *, drug_free: bool | None = None) -> list[Criterion]:
        return [c for c in self.criteria if c.level == level
                and (drug_free is None or c.drug_free == drug_free)]

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)

    def level_of(self, kind: str) -> str | None:
        """The level at which an org unit of ``kind`` is judged (None: not judged)."""
        for level, kinds in self.levels.items():
            if kind in kinds:
                return level
        return None

    def rank(self, band: str | None) -> int:
        """Higher is stronger; 0 for no band."""
        if band is None or band not in self.band_order:
            return 0
        return len(self.band_order) - self.band_order.index(band)


# --- reading ----------------------------------------------------------------------------------


def number(value: Any) -> Fraction:
    """An exact number from YAML: ``3000``, ``"0.5%"``, ``"0.05"`` (never via a float)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    text = str(value).strip().replace(",", "")
    scale = Fraction(1)
    if text.endswith("%"):
        text, scale = text[:-1].strip(), Fraction(1, 100)
    try:
        return Fraction(Decimal(text)) * scale
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None


def _bands(where: str, raw: Any, order: list[str], problems: list[str]) -> list[Band]:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: bands must be a mapping of band → {{min, below}}")
        return []
    bands = []
    for name, spec in raw.items():
        if order and name not in order:
            problems.append(f"{where}: unknown band {name!r} (the set's bands: "
                            f"{', '.join(order)})")
            continue
        if not isinstance(spec, dict) or not set(spec) <= {"min", "below"} or not spec:
            problems.append(f"{where}.{name}: a band is {{min?, below?}}")
            continue
        try:
            low = number(spec["min"]) if "min" in spec else None
            high = number(spec["below"]) if "below" in spec else None
        except ValueError as exc:
            problems.append(f"{where}.{name}: {exc}")
            continue
        if low is not None and high is not None and low >= high:
            problems.append(f"{where}.{name}: min {spec['min']} is not below {spec['below']}")
            continue
        bands.append(Band(name, low, high))
    for i, one in enumerate(bands):
        for other in bands[i + 1:]:
            if _overlap(one, other):
                problems.append(f"{where}: bands {one.name} and {other.name} overlap")
    if order:
        bands.sort(key=lambda b: order.index(b.name))
    return bands


def _overlap(a: Band, b: Band) -> bool:
    """Two half-open intervals [min, below) share a value."""
    a_low = a.min if a.min is not None else Fraction(-(10 ** 18))
    b_low = b.min if b.min is not None else Fraction(-(10 ** 18))
    a_high = a.below if a.below is not None else Fraction(10 ** 18)
    b_high = b.below if b.below is not None else Fraction(10 ** 18)
    return a_low < b_high and b_low < a_high


def parse_set(raw: Any, path: Path | None = None,
              measures: Iterable[str] | None = None) -> CriteriaSet:
    """A criteria set from its YAML mapping; :class:`CriteriaError` lists every problem."""
    where = str(path) if path else "criteria set"
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise CriteriaError([f"{where}: a criteria set is a mapping"])
    known = MEASURES if measures is None else measures
    for key in ("name", "basis", "effective_from", "levels", "criteria"):
        if key not in raw:
            problems.append(f"{where}: missing {key!r}")
    effective = raw.get("effective_from")
    if "effective_from" in raw and not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            problems.append(f"{where}: effective_from {effective!r} is not a date")
    levels = raw.get("levels") or {}
    if not isinstance(levels, dict) or not all(isinstance(v, list) and v
                                               for v in levels.values()):
        problems.append(f"{where}: levels must map a level to a list of org-unit kinds")
        levels = {}
    order = list(raw.get("bands") or [])
    try:
        counts_above = number(raw.get("counts_above", 0))
    except ValueError as exc:
        problems.append(f"{where}: counts_above: {exc}")
        counts_above = Fraction(0)
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("criteria") or []):
        criterion = _criterion(f"{where}: criteria[{i}]", item, levels, order, known, problems)
        if criterion is None:
            continue
        if criterion.code in seen:
            problems.append(f"{where}: criterion {criterion.code!r} appears twice")
        seen.add(criterion.code)
        criteria.append(criterion)
    types = raw.get("types") or {}
    for name, rule in types.items():
        if order and name not in order:
            problems.append(f"{where}: types.{name}: unknown band")
        if not isinstance(rule, dict) or not {"at_least", "of", "band_at_least"} <= set(rule):
            problems.append(f"{where}: types.{name} needs at_least, of and band_at_least")
            continue
        missing = [c for c in rule["of"] if c not in seen]
        if missing:
            problems.append(f"{where}: types.{name} names unknown criteria {missing}")
        if order and rule["band_at_least"] not in order:
            problems.append(f"{where}: types.{name}: unknown band {rule['band_at_least']!r}")
    measure_params = raw.get("measures") or {}
    if not isinstance(measure_params, dict) or not all(
            isinstance(v, dict) for v in measure_params.values()):
        problems.append(f"{where}: measures map a measure's name to its terms")
        measure_params = {}
    for name in measure_params:
        if name not in known:
            problems.append(f"{where}: measures: unknown measure {name!r}")
    for criterion in criteria:
        for band, rule in criterion.route.items():
            if order and rule.get("others_at_least") not in order:
                problems.append(f"{where}: criterion {criterion.code}: route.{band} needs "
                                "others_at_least, one of the set's bands")
    if problems:
        raise CriteriaError(problems)
    return CriteriaSet(
        name=str(raw["name"]), path=path, title=dict(raw.get("title") or {}),
        basis=str(raw["basis"]), effective_from=effective, levels=levels, criteria=criteria,
        band_order=order, counts_above=counts_above, types=types,
        key_province=dict(raw.get("key_province") or {}), period=dict(raw.get("period") or {}),
        measure_params={k: dict(v) for k, v in measure_params.items()},
        articles=list(raw.get("articles") or []), source=str(raw.get("source") or ""),
        verified=bool(raw.get("verified", False)), raw=raw)


def _criterion(where: str, item: Any, levels: dict, order: list[str], known: Any,
               problems: list[str]) -> Criterion | None:
    if not isinstance(item, dict) or "code" not in item:
        problems.append(f"{where}: a criterion is a mapping with a code")
        return None
    code = str(item["code"])
    where = f"{where.rsplit(':', 1)[0]}: criterion {code}"
    level = item.get("level")
    if not level:
        problems.append(f"{where}: missing level")
    elif level not in levels:
        problems.append(f"{where}: level {level!r} is not one of the set's levels")
    name = item.get("measure")
    if not name:
        problems.append(f"{where}: missing measure")
    elif name not in known:
        problems.append(f"{where}: unknown measure {name!r}")
    labels = item.get("labels") or {}
    if not isinstance(labels, dict) or not labels.get("vi"):
        problems.append(f"{where}: labels need a Vietnamese label (vi)")
        labels = {}
    bands: dict[str, list[Band]] = {}
    threshold: dict[str, Fraction] = {}
    if "bands" in item:
        bands["value"] = _bands(f"{where}.bands", item["bands"], order, problems)
    if "threshold" in item:
        threshold.update(_threshold(f"{where}.threshold", {"value": item["threshold"]},
                                    problems))
    components = item.get("components")
    if components is not None:
        if not isinstance(components, dict) or not components:
            problems.append(f"{where}: components map a figure to its bands or minimum")
        else:
            for comp, spec in components.items():
                if isinstance(spec, dict) and set(spec) <= {"min", "below"}:
                    threshold.update(_threshold(f"{where}.components", {comp: spec}, problems))
                else:
                    bands[comp] = _bands(f"{where}.components.{comp}", spec, order, problems)
    route = item.get("route") or {}
    drug_free = bool(item.get("drug_free", False))
    also = item.get("also") or []
    if not isinstance(also, list):
        problems.append(f"{where}: also lists measure names")
        also = []
    for other in also:
        if other not in known:
            problems.append(f"{where}: unknown measure {other!r}")
    judged = item.get("judged")
    if judged is not None and judged != "findings":
        problems.append(f"{where}: judged must be 'findings'")
    if not (bands or threshold or route or drug_free or judged):
        problems.append(f"{where}: no bands, threshold, route, drug_free or judged rule")
    return Criterion(code=code, level=str(level or ""), labels=dict(labels),
                     measure=str(name or ""), params=dict(item.get("params") or {}),
                     bands=bands, threshold=threshold, route=dict(route),
                     drug_free=drug_free, provenance=dict(item.get("provenance") or {}),
                     also=[str(a) for a in also], judged=judged)


def _threshold(where: str, specs: dict, problems: list[str]) -> dict[str, Fraction]:
    out = {}
    for comp, spec in specs.items():
        if not isinstance(spec, dict) or set(spec) != {"min"}:
            problems.append(f"{where}: a threshold is {{min}}")
            continue
        try:
            out[comp] = number(spec["min"])
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    return out


def read_file(path: Path, measures: Iterable[str] | None = None) -> CriteriaSet:
    """Read and check one YAML file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CriteriaError([f"{path}: cannot read the YAML: {exc}"]) from None
    return parse_set(raw, path, measures)


def criteria_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


def check_files(paths: Iterable[Path],
                extra: Callable[[CriteriaSet], list[str]] | None = None
                ) -> tuple[list[CriteriaSet], list[str]]:
    """Every set of ``paths`` with every problem found (``extra`` adds checks that need the
    app, such as person states that exist)."""
    sets, problems, names = [], [], {}
    for path in paths:
        try:
            found = read_file(path)
        except CriteriaError as exc:
            problems += exc.problems
            continue
        if found.name in names:
            problems.append(f"{path}: the name {found.name!r} is also used by {names[found.name]}")
        names[found.name] = path
        if extra is not None:
            problems += extra(found)
        sets.append(found)
    return sets, problems


class _AnyMeasure:
    """Every name: a set read at import time, before its measures are registered (``criteria
    check`` judges the names)."""

    def __contains__(self, name: object) -> bool:
        return True


_CACHE: dict[str, CriteriaSet] = {}


def criteria_dir() -> Path:
    return resource_dir("criteria")


def get_set(name: str) -> CriteriaSet:
    """The shipped set ``name`` (read once per process)."""
    if name not in _CACHE:
        path = criteria_dir() / f"{name}.yaml"
        _CACHE[name] = read_file(path, _AnyMeasure())
    return _CACHE[name]
