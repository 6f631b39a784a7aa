"""What waits for each role in the person workflow: the persons' part of "my work"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from casework.auth.scope import Scope, scoped
from casework.extensions import db
from casework.people.models import Person
from casework.web import redaction
from casework.web.work import WorkItem, work_source


@dataclass(frozen=True)
class Waiting:
    role: str
    states: tuple[str, ...]
    title: object
    # Only when the deadline is this many days away or less (None: always).
    within_days: int | None = None


WAITING: tuple[Waiting, ...] = (
    Waiting("health", ("suspected",), _l("Record the drug test")),
    Waiting("health", ("assessment",), _l("Record the addiction assessment")),
    Waiting("commune_chair", ("positive",), _l("Sign the management decision")),
    Waiting("commune_chair", ("managed_user",), _l("Management term ending"), 30),
    Waiting("commune_chair", ("post_rehab",), _l("Post-rehab term ending"), 30),
    Waiting("social_affairs", ("addict", "relapsed"), _l("Register a rehab measure")),
    Waiting("social_affairs", ("rehab_community", "rehab_facility"), _l("Rehab term ending"),
            30),
    Waiting("social_affairs", ("compulsory_dossier",), _l("Record the court decision")),
    Waiting("social_affairs", ("compulsory_rehab",), _l("Compulsory rehab ending"), 15),
)


def _item(person: Person, title, role: str, scope: Scope) -> WorkItem:
    name = redaction.shown_value("persons", "full_name", person.full_name,
                                 redaction.may_see_personal(person.org_unit, scope), person.id)
    return WorkItem(title=str(title), subject=name or "",
                    url=url_for("persons.show", person_id=person.id), due=person.due_date,
                    role=role, kind=person.state)


@work_source
def person_work(user, scope: Scope, today: date) -> list[WorkItem]:
    items: list[WorkItem] = []
    for waiting in WAITING:
        if waiting.role not in scope.roles:
            continue
        stmt = scoped(sa.select(Person), Person.org_unit_id, scope, (waiting.role,)).where(
            Person.state.in_(waiting.states))
        if waiting.within_days is not None:
            stmt = stmt.where(Person.due_date <= today + timedelta(days=waiting.within_days))
        items += [_item(p, waiting.title, waiting.role, scope)
                  for p in db.session.scalars(stmt)]
    if "police" in scope.roles:
        # The police see every overdue deadline of their area.
        stmt = scoped(sa.select(Person), Person.org_unit_id, scope, ("police",)).where(
            Person.due_date < today)
        items += [_item(p, _l("Overdue: %(what)s", what=p.due_label or p.state_label), "police",
                        scope) for p in db.session.scalars(stmt)]
    return items
