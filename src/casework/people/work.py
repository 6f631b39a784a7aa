"""What waits for each role in the person workflow: the persons' part of "my work"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from casework.audit.models import AuditEntry
from casework.auth.scope import Scope, scoped
from casework.extensions import db
from casework.people.dossier import VOLUNTARY_STATES
from casework.people.models import DrugTest, MonitoringOrder, Person
from casework.web import redaction
from casework.web.work import QueryList, WorkItem, WorkList, work_source
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import entering_clause, overdue_clause

# The police run rehab since 2025-03-01 (WORKFLOWS.md §8): its steps wait for them too.
REHAB_ROLES = ("social_affairs", "police")


@dataclass(frozen=True)
class Waiting:
    roles: tuple[str, ...]
    states: tuple[str, ...]
    title: object
    # Only when the deadline is this many days away or less (None: always).
    within_days: int | None = None
    # Only when the current state was entered by one of these events (True) or by none of
    # them (False): the state's deadline then has another case (WORKFLOWS.md §8).
    entered_by: tuple[tuple[str, ...], bool] | None = None
    # The event the step waits for: its roles in the law in force today replace ``roles``
    # (Law 120/2025 lets the commune police decide management too: WORKFLOWS.md §7).
    event: str | None = None

    def roles_on(self, today: date) -> tuple[str, ...]:
        if self.event is None:
            return self.roles
        found = get_catalog().version_on("person", today)
        held = found.event_roles(self.event) if found is not None else set()
        return tuple(sorted(held)) or self.roles


NOT_ADDICTED = ("record_assessment",)  # the only assessment that leads to managed_user

WAITING: tuple[Waiting, ...] = (
    Waiting(("health",), ("suspected",), _l("Record the drug test")),
    Waiting(("health",), ("assessment",), _l("Record the addiction assessment")),
    Waiting(("commune_chair",), ("positive",), _l("Sign the management decision"),
            event="decide_management"),
    Waiting(("commune_chair",), ("managed_user",),
            _l("Sign the new management decision (not addicted)"),
            entered_by=(NOT_ADDICTED, True), event="decide_management"),
    Waiting(("commune_chair",), ("managed_user",), _l("Management term ending"), 30,
            entered_by=(NOT_ADDICTED, False)),
    Waiting(("commune_chair",), ("post_rehab",), _l("Post-rehab term ending"), 30),
    Waiting(REHAB_ROLES, ("addict", "relapsed"), _l("Register a rehab measure")),
    Waiting(REHAB_ROLES, VOLUNTARY_STATES, _l("Rehab term ending"), 30),
    Waiting(REHAB_ROLES, ("compulsory_dossier",), _l("Record the court decision")),
    Waiting(REHAB_ROLES, ("compulsory_rehab",), _l("Compulsory rehab ending"), 15),
)


def _item(person: Person, title, role: str, scope: Scope, *, url: str | None = None,
          kind: str | None = None, dated: bool = True) -> WorkItem:
    """An item about ``person``; ``dated``: it is due by the person's current deadline."""
    name = redaction.shown_value("persons", "full_name", person.full_name,
                                 redaction.may_see_personal(person.org_unit, scope), person.id)
    return WorkItem(title=str(title), subject=name or "",
                    url=url or url_for("persons.show", person_id=person.id),
                    due=person.due_date if dated else None, role=role,
                    kind=kind or person.state, area=person.org_unit.name,
                    unit_path=person.org_unit.path)


def _entering_event(state: str):
    """SQL: the event that moved the person into ``state`` (its latest entering entry)."""
    return (
        sa.select(AuditEntry.event)
        .where(AuditEntry.record_type == Person.__record_type__,
               AuditEntry.record_id == Person.id,
               entering_clause(get_catalog().get("person"), state))
        .order_by(AuditEntry.seq.desc()).limit(1)
        .scalar_subquery()
    )


def _waiting(waiting: Waiting, role: str, scope: Scope, today: date) -> sa.Select:
    stmt = scoped(sa.select(Person), Person.org_unit_id, scope, (role,)).where(
        Person.state.in_(waiting.states))
    if waiting.within_days is not None:
        stmt = stmt.where(Person.due_date <= today + timedelta(days=waiting.within_days))
    if waiting.entered_by is not None:
        events, entered = waiting.entered_by
        event = _entering_event(waiting.states[0])
        stmt = stmt.where(event.in_(events) if entered else event.not_in(events))
    return stmt


def _persons(key: str, title, role: str, stmt: sa.Select, scope: Scope, **item) -> QueryList:
    """A list of persons, due by their current deadline unless ``item`` says otherwise."""
    dated = item.get("dated", True)
    return QueryList(
        key=key, title=str(title), role=role, stmt=stmt, unit=Person.org_unit_id,
        due=Person.due_date if dated else None, order=(Person.id,),
        to_item=lambda p: _item(p, title, role, scope, **item))


def used_during_voluntary(scope: Scope):
    """Persons in voluntary rehab with a positive test since they entered it: a ground for
    a compulsory-rehab dossier (Law Art 32.2, 33.1.b; WORKFLOWS.md §8). The proposal stands
    until a dossier is opened or the person leaves rehab; nothing is applied by itself."""
    return db.session.scalars(used_during_voluntary_stmt(scope))


def used_during_voluntary_stmt(scope: Scope) -> sa.Select:
    """SQL of :func:`used_during_voluntary`."""
    tested = (
        sa.select(DrugTest.id)
        .join(AuditEntry, AuditEntry.id == DrugTest.audit_entry_id)
        .where(DrugTest.person_id == Person.id, DrugTest.result == "positive",
               AuditEntry.from_state == Person.state,
               AuditEntry.effective_at >= Person.state_entered_at)
        .exists()
    )
    return scoped(sa.select(Person), Person.org_unit_id, scope, ("police",)).where(
        Person.state.in_(VOLUNTARY_STATES), tested)


def monitoring_ending(scope: Scope, today: date):
    """(person, order): open electronic monitoring orders ending within the warning days of
    the newest person version (parameters.monitoring_warn_days; WORKFLOWS.md §7: 15)."""
    days = get_catalog().get("person").param("monitoring_warn_days")
    if days is None:
        return []
    return db.session.execute(
        monitoring_ending_stmt(scope, today, days).with_only_columns(Person, MonitoringOrder)
        .order_by(MonitoringOrder.end_date)).all()


def monitoring_ending_stmt(scope: Scope, today: date, days: int) -> sa.Select:
    """SQL of :func:`monitoring_ending`: the orders."""
    return (scoped(sa.select(MonitoringOrder), Person.org_unit_id, scope, ("police",))
            .join(Person, MonitoringOrder.person_id == Person.id)
            .where(MonitoringOrder.ended_on.is_(None),
                   MonitoringOrder.end_date <= today + timedelta(days=days)))


@work_source
def person_work(user, scope: Scope, today: date) -> list[WorkList]:
    lists: list[WorkList] = []
    police_listed = []
    for number, waiting in enumerate(WAITING):
        for role in waiting.roles_on(today):
            if role in scope.roles:
                stmt = _waiting(waiting, role, scope, today)
                lists.append(_persons(f"person{number}-{role}", waiting.title, role, stmt,
                                      scope))
                if role == "police":
                    police_listed.append(stmt.with_only_columns(Person.id))
    if "police" in scope.roles:
        url = lambda p: url_for("persons.event_form", person_id=p.id,  # noqa: E731
                                event="open_compulsory_dossier",
                                grounds="used_during_voluntary")
        lists.append(QueryList(
            key="used_during_voluntary-police",
            title=str(_l("Drug use during voluntary rehab: propose a compulsory-rehab "
                         "dossier")),
            role="police", stmt=used_during_voluntary_stmt(scope), unit=Person.org_unit_id,
            order=(Person.id,),
            to_item=lambda p: _item(p, _l("Drug use during voluntary rehab: propose a "
                                          "compulsory-rehab dossier"), "police", scope,
                                    url=url(p), kind="used_during_voluntary", dated=False)))
        # The police see every overdue deadline of their area that is not already listed
        # for them.
        stmt = scoped(sa.select(Person), Person.org_unit_id, scope, ("police",)).where(
            overdue_clause(Person))
        if police_listed:
            stmt = stmt.where(Person.id.not_in(sa.union_all(*police_listed)))
        lists.append(QueryList(
            key="overdue-police", title=str(_l("Overdue deadlines")), role="police",
            stmt=stmt, unit=Person.org_unit_id, due=Person.due_date, order=(Person.id,),
            to_item=lambda p: _item(p, _l("Overdue: %(what)s",
                                          what=p.due_label or p.state_label),
                                    "police", scope)))
        days = get_catalog().get("person").param("monitoring_warn_days")
        if days is not None:
            lists.append(QueryList(
                key="monitoring_end-police", title=str(_l("Electronic monitoring ending soon")),
                role="police", stmt=monitoring_ending_stmt(scope, today, days),
                unit=Person.org_unit_id, due=MonitoringOrder.end_date,
                order=(MonitoringOrder.id,), to_item=lambda o: _monitoring_item(o, scope)))
    return lists


def _monitoring_item(order: MonitoringOrder, scope: Scope) -> WorkItem:
    person = db.session.get(Person, order.person_id)
    item = _item(person, _l("Electronic monitoring ending soon"), "police", scope,
                 kind="monitoring_end", dated=False)
    return WorkItem(title=item.title, subject=item.subject, url=item.url, due=order.end_date,
                    role="police", kind=item.kind, area=item.area, unit_path=item.unit_path)
