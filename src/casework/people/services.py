"""Verbs on persons: open a record (with the duplicate check), query within scope, fire events.

Services flush, never commit. Every query of persons goes through the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from casework.audit.models import AuditEntry
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, scoped
from casework.errors import (
    DuplicatePerson,
    DuplicateSuspected,
    NotFound,
    NotPermitted,
    RuleFailed,
    ValidationFailed,
)
from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS, OrgUnit, subtree_clause
from casework.people.deadlines import running_deadlines
from casework.people.identity import fold, normalize_name
from casework.people.models import CLOSED_STATES, OPEN_NATIONAL_ID_INDEX, Person
from casework.validation import page_window
from casework.workflow import available_events, fire, open_record
from casework.workflow.deadlines import overdue_clause

OPEN_ROLES = ("police", "health")  # who may open a person record (WORKFLOWS.md §1, `open`)


def persons_in_scope(scope: Scope):
    """SELECT persons the caller may read (never for `viewer` or `admin`)."""
    return scoped(sa.select(Person), Person.org_unit_id, scope, PERSONAL_READ_ROLES)


def get_person(person_id: int, scope: Scope) -> Person:
    """A person through the scope; 404 when missing or outside it."""
    person = db.session.scalar(persons_in_scope(scope).where(Person.id == person_id))
    if person is None:
        raise NotFound()
    return person


@dataclass
class PersonQuery:
    state: str | None = None
    area_code: str | None = None
    q: str | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 25


def search_persons(scope: Scope, query: PersonQuery) -> tuple[list[Person], int]:
    """Persons in scope matching the filters; the name search ignores diacritics."""
    stmt = filter_persons(scope, query)
    offset, limit = page_window(query.page, query.per_page)
    # One statement: the page and, on each of its rows, the number of all matches (a window
    # over the whole filtered set, computed before LIMIT). The page's units come in a second
    # one: joined here, every match of a common name in a province was joined to its unit
    # before the LIMIT (a scan of the whole map's units at national scale).
    rows = db.session.execute(
        stmt.add_columns(sa.func.count().over().label("total"))
        .options(sa.orm.selectinload(Person.org_unit))
        .order_by(Person.due_date.is_(None), Person.due_date, Person.name_folded, Person.id)
        .offset(offset).limit(limit)
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    # A page past the last (or no match): the count alone.
    total = 0 if offset == 0 else db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.subquery()))
    return [], total


def filter_persons(scope: Scope, query: PersonQuery) -> sa.Select:
    """SELECT the persons in scope matching the filters of ``query`` (not its page)."""
    stmt = persons_in_scope(scope)
    if query.state:
        stmt = stmt.where(Person.state == query.state)
    if query.area_code:
        area = db.session.scalar(
            scoped(sa.select(OrgUnit).where(OrgUnit.code == query.area_code), OrgUnit.id, scope)
        )
        if area is None:
            raise ValidationFailed(errors={"area_code": [
                _("Unknown area code %(code)s.", code=query.area_code)]})
        stmt = stmt.join(OrgUnit, OrgUnit.id == Person.org_unit_id).where(
            subtree_clause(OrgUnit.path, area.path)
        )
    if query.q:
        text = query.q.strip()
        folded = fold(text)
        conditions = [Person.name_folded.contains(folded, autoescape=True)]
        if text.isdigit():
            conditions.append(Person.national_id.startswith(text, autoescape=True))
        stmt = stmt.where(sa.or_(*conditions))
    if query.overdue is not None:
        late = overdue_clause(Person)
        stmt = stmt.where(late if query.overdue else sa.not_(late))
    return stmt


def _area_for_new_person(code: str, scope: Scope) -> OrgUnit:
    unit = db.session.scalar(scoped(sa.select(OrgUnit).where(OrgUnit.code == code), OrgUnit.id,
                                    scope))
    if unit is None:
        raise ValidationFailed(errors={"area_code": [
            _("Unknown area code %(code)s.", code=code)]})
    if unit.kind not in LEAF_KINDS:
        raise ValidationFailed(errors={"area_code": [
            _("A person lives in a residential group or a village.")]})
    if not scope.covers(unit.path, OPEN_ROLES):
        raise NotPermitted()
    return unit


# The rule of `reopen` that keeps a national ID on one open record (workflows/person.yaml).
NATIONAL_ID_RULE = "national_id_not_open_elsewhere"


def open_holder(national_id: str, exclude_id: int | None = None) -> Person | None:
    """The open record holding ``national_id``, in anyone's scope (None when there is none).

    Only for the duplicate check: what the caller learns of it is :func:`duplicate_person`.
    """
    stmt = sa.select(Person).where(Person.national_id == national_id,
                                   Person.state.not_in(CLOSED_STATES))
    if exclude_id is not None:
        stmt = stmt.where(Person.id != exclude_id)
    return db.session.scalar(stmt.order_by(Person.id).limit(1))


def duplicate_person(holder: Person, scope: Scope) -> DuplicatePerson:
    """The 409 `duplicate_person` for a national ID that ``holder`` holds.

    Within the caller's scope it names the record (``record_id``); outside it, it says only
    that the person is managed in another unit: no name, no place, no number.
    """
    if scope.covers(holder.org_unit.path, PERSONAL_READ_ROLES):
        message = _("This national ID belongs to record no. %(id)d, which is open (%(area)s). "
                    "Continue on that record instead of opening another.",
                    id=holder.id, area=holder.org_unit.name)
        return DuplicatePerson(message, errors={"national_id": [message]},
                               record_id=holder.id)
    message = _("A person with this national ID is managed in another unit.")
    return DuplicatePerson(message, errors={"national_id": [message]})


def is_open_national_id_clash(exc: IntegrityError) -> bool:
    """The database refused a second open record with the same national ID."""
    text = str(exc.orig)
    return OPEN_NATIONAL_ID_INDEX in text or "persons.national_id" in text


def find_duplicates(full_name: str, birth_date: date, national_id: str | None,
                    scope: Scope) -> sa.Select:
    """Persons in the caller's scope who look like the same one: the same national ID, or
    the same folded name and birth date. Records outside the scope are never looked at."""
    same_person = sa.and_(Person.name_folded == fold(full_name), Person.birth_date == birth_date)
    if national_id:
        same_person = sa.or_(same_person, Person.national_id == national_id)
    return persons_in_scope(scope).where(same_person).order_by(Person.id)


def create_person(values: dict, actor, scope: Scope) -> Person:
    """Open a person record: its first audit entry is the event `open`.

    Raises DuplicatePerson when another open record holds the national ID (whatever
    ``confirm_new`` says), and DuplicateSuspected, with the candidates of the caller's scope,
    unless ``values["confirm_new"]`` is true.
    """
    unit = _area_for_new_person(values["area_code"], scope)
    national_id = (values.get("national_id") or "").strip() or None
    full_name = normalize_name(values["full_name"])
    if national_id:
        holder = open_holder(national_id)
        if holder is not None:
            raise duplicate_person(holder, scope)
    if not values.get("confirm_new"):
        candidates = db.session.scalars(
            find_duplicates(full_name, values["birth_date"], national_id, scope)).all()
        if candidates:
            raise DuplicateSuspected(
                _("This person may already have a record. Check the candidates, or confirm "
                  "that this is a new person."),
                candidates=[_candidate(p) for p in candidates],
            )
    person = Person(
        full_name=full_name, name_folded=fold(full_name), birth_date=values["birth_date"],
        gender=values["gender"], national_id=national_id,
        residence_type=values.get("residence_type"),
        resident_since=values.get("resident_since"), address=values.get("address"),
        org_unit=unit, external_id=values.get("external_id"),
    )
    if national_id is None:
        open_record(person, actor, effective_at=values.get("effective_at"))
        return person
    try:
        # A savepoint: when a concurrent request opened the same ID first, the index refuses
        # this one and the transaction stays usable to say so.
        with db.session.begin_nested():
            open_record(person, actor, effective_at=values.get("effective_at"))
    except IntegrityError as exc:
        if not is_open_national_id_clash(exc):
            raise
        holder = open_holder(national_id)
        if holder is None:
            raise
        raise duplicate_person(holder, scope) from None
    return person


def _candidate(person: Person) -> dict:
    return {
        "id": person.id, "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(), "national_id": person.national_id,
        "area_code": person.org_unit.code, "area_name": person.org_unit.name,
        "state": person.state, "state_label": person.state_label,
    }


def fire_event(person: Person, actor, *, event: str, version: int, data: dict | None = None,
               reason: str | None = None, effective_at=None):
    """Apply a workflow event to a person (the engine checks role, scope, version, data, rules).

    An event that may open a closed record with a national ID (`reopen`) is refused with 409
    `duplicate_person` while another open record holds that ID: by its rule, or by the
    unique index when the other record was opened at the same moment.
    """
    if person.national_id is None or person.state not in CLOSED_STATES:
        return fire(person, event, actor, data=data, reason=reason, effective_at=effective_at,
                    version=version)
    national_id, person_id = person.national_id, person.id
    try:
        with db.session.begin_nested():
            return fire(person, event, actor, data=data, reason=reason,
                        effective_at=effective_at, version=version)
    except RuleFailed as exc:
        if exc.extra.get("rule") != NATIONAL_ID_RULE:
            raise
        holder = open_holder(national_id, exclude_id=person_id)
        if holder is None:
            raise
        raise duplicate_person(holder, Scope.for_user(actor)) from None
    except IntegrityError as exc:
        if not is_open_national_id_clash(exc):
            raise
        holder = open_holder(national_id, exclude_id=person_id)
        if holder is None:
            raise
        raise duplicate_person(holder, Scope.for_user(actor)) from None


# The states in which the person's compulsory-rehab dossier still governs what happens.
DOSSIER_STATES = ("compulsory_dossier", "compulsory_rehab")


def dossier_facts(person: Person) -> dict | None:
    """The grounds and legal basis of the person's current compulsory-rehab dossier (as its
    event recorded them), with the day it was opened; None outside the dossier's states.

    A minor's dossier is compiled under Law Art 34 and the page says so (WORKFLOWS.md §8).
    """
    if person.state not in DOSSIER_STATES or person.id is None:
        return None
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.record_type == Person.__record_type__,
               AuditEntry.record_id == person.id,
               AuditEntry.to_state == "compulsory_dossier",
               AuditEntry.from_state.is_not(None),
               AuditEntry.from_state != AuditEntry.to_state)
        .order_by(AuditEntry.seq.desc()).limit(1))
    if entry is None:
        return None
    data = entry.data or {}
    return {"grounds": data.get("grounds"), "legal_basis": data.get("legal_basis"),
            "opened_at": entry.effective_at}


def describe(person: Person, user) -> dict:
    """The person as the API and pages show it, with what this user may do now."""
    return {
        "id": person.id, "full_name": person.full_name, "birth_date": person.birth_date,
        "gender": person.gender, "national_id": person.national_id,
        "residence_type": person.residence_type, "resident_since": person.resident_since,
        "address": person.address, "org_unit": person.org_unit, "state": person.state,
        "state_label": person.state_label, "version": person.version,
        "workflow_version": person.workflow_version, "due_date": person.due_date,
        "due_label": person.due_label,
        # WORKFLOWS.md §7: every deadline that runs, and the earliest moment among them.
        "deadlines": (running := running_deadlines(person)),
        "due_at": running[0]["due_at"] if running else None,
        "overdue": person.overdue,
        "available_events": [
            {"event": o.name, "label": str(o.label), "reason_required": o.reason_required}
            for o in available_events(person, user)
        ],
    }
