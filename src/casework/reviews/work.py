"""What commune reviews put in "my work": the reviews waiting for each step, due before the
province's report (20 December)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from casework.auth.scope import Scope
from casework.extensions import db
from casework.reviews.models import CommuneReview
from casework.reviews.services import awaiting, awaiting_clause, awaiting_roles, report_due
from casework.web.work import ItemList, WorkItem, WorkList, work_source


@work_source
def reviews_waiting(user, scope: Scope, today: date) -> list[WorkList]:
    titles = {
        "draft": _("Prepare and submit the commune's annual review"),
        "submitted": _("Approve the commune's annual review"),
        "approved_by_commune": _("Approve the commune's classification (province)"),
    }
    waiting_for = awaiting_roles()
    if not set(waiting_for.values()) & scope.roles:
        return []
    candidates = db.session.scalars(
        sa.select(CommuneReview).where(awaiting_clause(scope))).all()
    lists: dict[str, ItemList] = {}
    for r in awaiting(user, candidates):
        role = waiting_for[r.state]
        found = lists.setdefault(r.state, ItemList(
            key=f"commune_review_{r.state}-{role}", title=titles[r.state], role=role))
        found.items.append(WorkItem(
            title=titles[r.state], subject=f"{r.org_unit.name} ({r.period_year})",
            url=url_for("reviews.show", review_id=r.id), due=report_due(r.period_year),
            role=role, kind=f"commune_review_{r.state}", area=r.org_unit.name,
            unit_path=r.org_unit.path))
    return list(lists.values())
