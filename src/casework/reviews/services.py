"""Verbs on commune reviews and what other features read of them. They flush, never commit."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from casework.areas import qd28, qd28_board
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, get_scoped_orgunit, scoped
from casework.db import today_local
from casework.errors import DuplicateReview, NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.reviews.models import REVIEWED_KINDS, CommuneReview
from casework.workflow import engine

# Who may read a review: the roles that read case records (never viewers or admins).
READ_ROLES = PERSONAL_READ_ROLES
FIRST_PERIOD = 2025  # QĐ 28/2025 was signed on 2025-08-24


def current_period_year(day: date | None = None) -> int:
    """The review period ``day`` (Vietnam's today by default) falls in."""
    return qd28.period_year_of(day or today_local())


def report_due(year: int) -> date:
    """The last day the province may report the period (QĐ 28 Art 7.2, "before 20 December";
    the date is data: criteria/qd28-2025.yaml)."""
    return qd28.report_due(year)


def report_deadline(year: int) -> date:
    """The day the report is due *before* (20 December): the first day late."""
    return qd28_board.report_deadline(year)


def period_begun(year: int, today: date | None = None) -> bool:
    start, _end = qd28.review_period(year)
    return start <= (today or today_local())


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def review_for(unit: OrgUnit, year: int) -> CommuneReview | None:
    return db.session.scalar(sa.select(CommuneReview).where(
        CommuneReview.org_unit_id == unit.id, CommuneReview.period_year == year))


def _duplicate(existing: CommuneReview | None, year: int) -> DuplicateReview:
    if existing is None:
        return DuplicateReview(_("This commune already has a review for the period %(year)d.",
                                 year=year))
    return DuplicateReview(
        _("This commune already has a review for the period %(year)d (no. %(id)d, "
          "“%(state)s”); open that one.", year=year, id=existing.id,
          state=engine.state_label(existing)),
        errors={"period": [_("A review for this period exists.")]}, record_id=existing.id)


def open_review(unit: OrgUnit, year: int, actor, effective_at: datetime | None = None
                ) -> CommuneReview:
    """Open a draft review of ``unit`` for the period ending 14/12/``year``.

    Refused (422) for a unit that is not a commune, ward or special zone, or a period that has
    not begun; a second review for the same commune and period is a 409. The engine checks the
    actor's role (police) and scope.
    """
    Scope.for_user(actor).require_write(unit.path, ("police",))
    if unit.kind not in REVIEWED_KINDS:
        raise _bad("area_code", _("Only a commune, ward or special zone is reviewed under "
                                  "QĐ 28/2025; %(name)s is not one.", name=unit.name))
    if year < FIRST_PERIOD:
        raise _bad("period", _("QĐ 28/2025 applies from the period %(year)d.",
                               year=FIRST_PERIOD))
    if not period_begun(year):
        start, end = qd28.review_period(year)
        raise _bad("period", _("The period %(year)d (%(start)s – %(end)s) has not begun; a "
                               "review can be opened from %(start)s.", year=year,
                               start=start.strftime("%d/%m/%Y"),
                               end=end.strftime("%d/%m/%Y")))
    qd28.checked_year(year, unit)  # a unit that did not exist in the period: 422
    existing = review_for(unit, year)
    if existing is not None:
        raise _duplicate(existing, year)
    review = CommuneReview(org_unit=unit, period_year=year,
                           created_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            engine.open_record(review, actor, effective_at=effective_at)
    except IntegrityError:  # another review was opened at the same moment
        raise _duplicate(review_for(unit, year), year) from None
    return review


def fire_review_event(review: CommuneReview, event: str, actor, data: dict | None = None,
                      reason: str | None = None, effective_at: datetime | None = None,
                      version: int | None = None):
    return engine.fire(review, event, actor, data=data, reason=reason,
                       effective_at=effective_at, version=version)


# --- what the review means once approved ------------------------------------------------------


def approved_review(unit: OrgUnit, year: int) -> CommuneReview | None:
    return db.session.scalar(sa.select(CommuneReview).where(
        CommuneReview.org_unit_id == unit.id, CommuneReview.period_year == year,
        CommuneReview.state == "approved"))


def approved_classification(unit: OrgUnit, year: int) -> dict | None:
    """What the approved review of ``year`` set (None: no approved review). It is the
    commune's ``qd28_classification`` for the next period; registered with
    ``qd28.APPROVED_SOURCES`` so the classification API shows it. Codes and dates only."""
    review = approved_review(unit, year)
    return None if review is None else _approved_dict(review, year)


def approved_classifications(units: list[OrgUnit], year: int) -> dict[int, dict]:
    """``approved_classification`` of each of ``units`` that has one, in one statement per
    5,000 units: unit id → the same dict."""
    ids = [u.id for u in units]
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 5000):
        for review in db.session.scalars(sa.select(CommuneReview).where(
                CommuneReview.org_unit_id.in_(ids[start:start + 5000]),
                CommuneReview.period_year == year, CommuneReview.state == "approved")
                .order_by(CommuneReview.id)):
            found.setdefault(review.org_unit_id, _approved_dict(review, year))
    return found


def _approved_dict(review: CommuneReview, year: int) -> dict:
    return {
        "review_id": review.id,
        "classification": review.approved_classification,
        "computed": review.computed_classification,
        "overridden": review.overridden,
        "decision_no": review.decision_no,
        "decision_date": review.decision_date.isoformat() if review.decision_date else None,
        "applies_to_period": year + 1,
    }


def classification_in_force(unit: OrgUnit, year: int) -> str | None:
    """The commune's ``qd28_classification`` during the period ``year``: what the approved
    review of the previous period set (None: none approved)."""
    found = approved_classification(unit, year - 1)
    return found["classification"] if found else None


# --- workflow chain ---------------------------------------------------------------------------


def awaiting_roles() -> dict[str, str]:
    return engine.get_catalog().get("commune_review").meta["awaiting"]


def awaiting_role(review: CommuneReview) -> str | None:
    return engine.definition_of(review).meta["awaiting"].get(review.state)


def chain(review: CommuneReview) -> tuple[str, ...]:
    return engine.definition_of(review).meta["chain"]


def awaiting_clause(scope: Scope):
    """SQL condition: the review waits for a role the user holds over its commune."""
    parts = []
    for state, role in awaiting_roles().items():
        if role in scope.roles:
            visible = sa.select(OrgUnit.id).where(scope.unit_clause(OrgUnit.path, [role]))
            parts.append(sa.and_(CommuneReview.state == state,
                                 CommuneReview.org_unit_id.in_(visible)))
    return sa.or_(*parts) if parts else sa.false()


def awaiting(user, candidates) -> list[CommuneReview]:
    """The reviews among ``candidates`` on which ``user`` can act now."""
    return [r for r in candidates if engine.available_events(r, user)]


# --- reading ----------------------------------------------------------------------------------


def scoped_review(review_id: int, scope: Scope) -> CommuneReview:
    """The review, if ``scope`` may read it (NotFound otherwise)."""
    found = db.session.scalar(scoped(
        sa.select(CommuneReview).where(CommuneReview.id == review_id),
        CommuneReview.org_unit_id, scope, READ_ROLES))
    if found is None:
        raise NotFound()
    return found


def reviews_query(scope: Scope, year: int | None = None, area_code: str | None = None,
                  state: str | None = None, awaiting_me: bool = False):
    stmt = scoped(sa.select(CommuneReview), CommuneReview.org_unit_id, scope, READ_ROLES)
    if year is not None:
        stmt = stmt.where(CommuneReview.period_year == year)
    if state:
        stmt = stmt.where(CommuneReview.state == state)
    if area_code:
        unit = get_scoped_orgunit(area_code, scope)
        stmt = stmt.join(OrgUnit, OrgUnit.id == CommuneReview.org_unit_id).where(
            subtree_clause(OrgUnit.path, unit.path))
    if awaiting_me:
        stmt = stmt.where(awaiting_clause(scope))
    return stmt.order_by(CommuneReview.period_year.desc(), CommuneReview.id)


def list_reviews(scope: Scope, user, year=None, area_code=None, state=None,
                 awaiting_me=False) -> list[CommuneReview]:
    found = list(db.session.scalars(reviews_query(scope, year, area_code, state, awaiting_me)))
    return awaiting(user, found) if awaiting_me else found


def communes_under(root: OrgUnit, year: int) -> list[OrgUnit]:
    """The communes, wards and special zones under ``root`` on the period's last day's map
    (``qd28.communes_of``), by name."""
    _start, end = qd28.review_period(year)
    return sorted(qd28.communes_of(root, end), key=lambda u: u.name)


def reviews_by_unit(units: list[OrgUnit], year: int) -> dict[int, CommuneReview]:
    if not units:
        return {}
    rows = db.session.scalars(sa.select(CommuneReview).where(
        CommuneReview.period_year == year,
        CommuneReview.org_unit_id.in_([u.id for u in units])))
    return {r.org_unit_id: r for r in rows}

