"""The measures of the 8 criteria (criteria/lai-chau-8.yaml), registered by name.

Each reads one source of data for a whole subtree at once and adds its findings, by
criterion, to the collector of ``criteria.evaluate_subtree``; the set says which criterion
reads which measure, and the terms they use (``measures:``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from casework.areas import criteria
from casework.areas.criteria_sets import measure
from casework.areas.lai_chau_persons import judge_persons


@measure("lai_chau.hotspots", _l("Hotspots not eliminated"))
def hotspots(c, where: criteria.Where) -> None:
    criteria._hotspots(c, where.inside, where.as_of)


@measure("lai_chau.incidents", _l("Open incidents: sellers, places of use, offenders, rings, "
                                  "drug plants"))
def incidents(c, where: criteria.Where) -> None:
    criteria._incidents(c, where.inside, where.as_of)


@measure("lai_chau.persons", _l("Persons past their deadlines, unchecked or using again"))
def persons(c, where: criteria.Where) -> None:
    judge_persons(c, where)


@measure("lai_chau.households", _l("Household tallies and hotline boards of each group"))
def households(c, where: criteria.Where) -> None:
    criteria._households(c, where.inside, where.as_of)


@measure("lai_chau.models", _l("Working drug-prevention models, of the area or above it"))
def models(c, where: criteria.Where) -> None:
    criteria._models(c, where.inside, where.ancestors, where.as_of, where.map_day,
                     where.carried)
