"""What recognition requests put in "my work": for each step of the chain, the requests
waiting for it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from casework.auth.scope import Scope
from casework.extensions import db
from casework.recognition.models import RecognitionRequest
from casework.recognition.services import (
    awaiting,
    awaiting_clause,
    awaiting_role,
    waiting_roles,
)
from casework.web.work import ItemList, WorkItem, WorkList, work_source


@work_source
def requests_waiting(user, scope: Scope, today: date) -> list[WorkList]:
    titles = {
        "draft": _("Complete and submit the recognition request"),
        "submitted": _("Evaluate the recognition request"),
        "evaluated": _("Endorse the recognition request"),
        "endorsed": _("Approve the recognition request"),
    }
    if not waiting_roles() & scope.roles:
        return []
    candidates = db.session.scalars(
        sa.select(RecognitionRequest).where(awaiting_clause(scope))).all()
    lists: dict[tuple[str, str], ItemList] = {}
    for r in awaiting(user, scope, candidates):
        role = awaiting_role(r)
        found = lists.setdefault((r.state, role), ItemList(
            key=f"recognition_{r.state}-{role}", title=titles[r.state], role=role))
        found.items.append(WorkItem(
            title=titles[r.state], subject=r.org_unit.name,
            url=url_for("recognition.show", request_id=r.id), due=None, role=role,
            kind=f"recognition_{r.state}", area=r.org_unit.name, unit_path=r.org_unit.path))
    return list(lists.values())
