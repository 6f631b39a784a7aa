"""What areas put in "my work": for the police, every drug-free or maintained area of their
scope whose criteria a new fact breaks, with a one-click proposal to recomplicate it (never
applied by itself). The recognition requests waiting for each step are recognition's
(``recognition/work.py``)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from casework.areas.criteria import evaluate_subtree
from casework.areas.models import Area
from casework.areas.services import recognized_states
from casework.auth.scope import Scope, scoped
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.web.work import ItemList, WorkItem, WorkList, work_source


def breached_areas(scope: Scope, as_of: date | None = None) -> list[tuple[Area, list[str]]]:
    """Recognised areas the police of ``scope`` look after whose criteria are broken now.

    The criteria are computed once per police grant (a fixed number of queries each).
    """
    areas = db.session.scalars(scoped(
        sa.select(Area).where(Area.state.in_(recognized_states())), Area.org_unit_id, scope,
        ("police",))).all()
    if not areas:
        return []
    roots = sorted({g.path for g in scope.grants if g.role == "police"}, key=len)
    kept: list[str] = []
    for path in roots:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    results = {}
    for path in kept:
        root = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.path == path))
        results.update(evaluate_subtree(root, as_of))
    found = []
    for area in areas:
        result = results.get(area.org_unit_id)
        if result is not None and result.codes_with("not_met"):
            found.append((area, result.codes_with("not_met")))
    return found


@work_source
def recomplicate_proposals(user, scope: Scope, today: date) -> list[WorkList]:
    if "police" not in scope.roles:
        return []
    items = [
        WorkItem(title=_("Criteria broken (%(codes)s): propose “drug problems returned”",
                         codes=", ".join(codes)),
                 subject=area.org_unit.name,
                 url=url_for("areas.show", code=area.org_unit.code) + "#breach",
                 due=None, role="police", kind="recomplicate", area=area.org_unit.name,
                 unit_path=area.org_unit.path)
        for area, codes in breached_areas(scope, today)
    ]
    if not items:
        return []
    return [ItemList(key="recomplicate-police", role="police", items=items,
                     title=_("Criteria broken: propose “drug problems returned”"))]
