"""Plan progress: each target's current value, gap and status, computed from the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from casework.audit.changes import record_change
from casework.auth.scope import Scope, get_scoped_orgunit
from casework.errors import NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.plans.metrics import METRICS, MetricValue, compute
from casework.plans.models import Phase, Plan, ReportSubmission, Target
from casework.workflow.deadlines import today_local

# How far behind the straight line from start to deadline a target may be and still count
# as on track.
SLACK = 0.1


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    current: MetricValue
    status: str  # met | on_track | at_risk | missed | no_data

    @property
    def value(self) -> float | None:
        return self.current.value

    @property
    def gap(self) -> float | None:
        if self.value is None:
            return None
        if self.target.direction == "at_most":
            return max(0.0, self.value - self.target.value)
        return max(0.0, self.target.value - self.value)

    @property
    def percent_of_whole(self) -> float | None:
        """For "45 of 55" targets: the target as a percent of the whole (81.8)."""
        if self.target.out_of:
            return round(100.0 * self.target.value / self.target.out_of, 1)
        return None

    @property
    def fraction_done(self) -> float:
        """0..1, for the progress bar."""
        if self.value is None or not self.target.value:
            return 0.0 if self.value is None else 1.0
        if self.target.direction == "at_most":
            return 1.0 if self.value <= self.target.value else 0.0
        return max(0.0, min(1.0, self.value / self.target.value))


def _start_of(target: Target) -> date:
    if target.counted_from:
        return target.counted_from
    if target.phase is not None:
        return target.phase.start_date
    return target.plan.start_date


def target_status(target: Target, current: MetricValue, today: date) -> str:
    if current.value is None:
        return "no_data"
    at_most = target.direction == "at_most"  # the default (None before insert): at least
    reached = current.value <= target.value if at_most else current.value >= target.value
    if reached:
        return "met"
    if target.due < today:
        return "missed"
    start, due = _start_of(target), target.due
    elapsed = 0.0 if today <= start else min(1.0, (today - start).days / max(1, (due - start).days))
    done = (current.value / target.value) if target.value else 1.0
    return "on_track" if not at_most and done >= elapsed - SLACK else "at_risk"


def status_label(status: str) -> str:
    """A target's status (``target_status``) in the user's language."""
    return {
        "met": _("Met"), "on_track": _("On track"), "at_risk": _("At risk"),
        "missed": _("Missed"), "no_data": _("No data source"),
    }.get(status, status)


def progress(target: Target, as_of: date | None = None) -> TargetProgress:
    """The target's value now (INTERFACES.md: computed now), and its status.

    A snapshot metric is taken on the day; a period metric counts from the target's start to
    the day, but never past the target's deadline (what happened after does not count).
    """
    today = as_of or today_local()
    since = target.counted_from or target.plan.start_date
    definition = METRICS[target.metric]
    day = min(today, target.due) if definition.period else today
    current = compute(target.metric, target.org_unit, day, target.params, since)
    return TargetProgress(target, current, target_status(target, current, today))


def plans_in_scope(scope: Scope):
    """Plans issued by a unit the caller can see, or by one of its ancestors (a city plan is
    read in its wards too): a plan whose issuer's subtree holds a unit in the scope. In SQL,
    one range probe of the path index per plan; the units are never loaded."""
    issuer, seen = sa.orm.aliased(OrgUnit), sa.orm.aliased(OrgUnit)
    # The subtree of the issuer: paths from its own up to the next after its prefix
    # (the last dot swapped for "/", as ``subtree_clause`` does).
    upper = sa.func.substr(issuer.path, 1, sa.func.length(issuer.path) - 1) + "/"
    holds_visible = sa.select(seen.id).where(
        seen.path >= issuer.path, seen.path < upper, scope.unit_clause(seen.path)).exists()
    return (sa.select(Plan).join(issuer, issuer.id == Plan.org_unit_id).where(holds_visible)
            .order_by(Plan.start_date.desc()))


def get_plan(plan_id: int, scope: Scope) -> Plan:
    plan = db.session.scalar(plans_in_scope(scope).where(Plan.id == plan_id))
    if plan is None:
        raise NotFound()
    return plan


@dataclass(frozen=True)
class DueReport:
    kind: str           # six_month | annual | phase
    period: str         # "2025-H1", "2025", or the phase's number
    label: str
    due: date
    submitted: bool

    def overdue_on(self, today: date) -> bool:
        return not self.submitted and self.due < today


def report_schedule(plan: Plan) -> list[DueReport]:
    """Every report the plan asks for, with its due date and whether it was sent."""
    sent = {(s.kind, s.period) for s in db.session.scalars(
        sa.select(ReportSubmission).where(ReportSubmission.plan_id == plan.id))}
    items: list[DueReport] = []
    for phase in plan.phases:
        if phase.report_due:
            period = str(phase.seq)
            items.append(DueReport("phase", period, phase.name, phase.report_due,
                                   ("phase", period) in sent))
    for year in range(plan.start_date.year, plan.end_date.year + 1):
        for kind, day_month, period in (("six_month", plan.six_month_report_due, f"{year}-H1"),
                                        ("annual", plan.annual_report_due, str(year))):
            if not day_month:
                continue
            month, day = (int(x) for x in day_month.split("-"))
            due = date(year, month, day)
            if plan.start_date <= due <= date(plan.end_date.year, 12, 31):
                items.append(DueReport(kind, period, period, due, (kind, period) in sent))
    return sorted(items, key=lambda r: r.due)


def phase_of(plan: Plan, day: date) -> Phase | None:
    for phase in plan.phases:
        if phase.start_date <= day <= phase.end_date:
            return phase
    return None


def metric_label(code: str) -> str:
    found = METRICS.get(code)
    return str(found.label) if found else code


# --- creating and editing --------------------------------------------------------------------
# Every path that changes a plan leaves one entry in the plan's audit chain (audit.changes).

# Who may write a plan, over its issuing unit.
PLAN_ROLES = ("police", "commune_chair", "steering_committee", "city_authority",
              "province_authority")


def _acting_role(scope: Scope, plan: Plan) -> str | None:
    """The planning role the user acts in over the plan's unit (the first they hold)."""
    held = scope.roles_at(plan.org_unit.path)
    return next((role for role in PLAN_ROLES if role in held), None)


def _phase_values(phase: Phase) -> dict:
    return {"seq": phase.seq, "name": phase.name, "start_date": phase.start_date,
            "end_date": phase.end_date, "report_due": phase.report_due}


def _target_values(target: Target) -> dict:
    return {"label": target.label, "metric": target.metric, "params": target.params,
            "org_unit": target.org_unit.code, "value": target.value, "unit": target.unit,
            "direction": target.direction, "out_of": target.out_of, "stated": target.stated,
            "phase": target.phase.seq if target.phase else None, "deadline": target.deadline,
            "counted_from": target.counted_from}


def plan_values(plan: Plan) -> dict:
    """What the plan says, as logged in its audit entries (no personal data)."""
    return {
        "code": plan.code, "title": plan.title, "number": plan.number,
        "issued_on": plan.issued_on, "org_unit": plan.org_unit.code if plan.org_unit else None,
        "start_date": plan.start_date, "end_date": plan.end_date,
        "six_month_report_due": plan.six_month_report_due,
        "annual_report_due": plan.annual_report_due, "summary": plan.summary,
        "phases": [_phase_values(p) for p in plan.phases],
        "targets": [_target_values(t) for t in plan.targets],
    }


def _log(plan: Plan, event: str, actor, scope: Scope, before=None, after=None) -> None:
    record_change(plan, event, actor=actor, role=_acting_role(scope, plan),
                  org_unit_id=plan.org_unit_id, before=before, after=after)


def _fill(plan: Plan, data: dict, scope: Scope) -> Plan:
    try:
        issuer = get_scoped_orgunit(data["org_unit"], scope)
    except NotFound:
        raise ValidationFailed(errors={"org_unit": [
            _("Unknown org unit code %(code)s.", code=data["org_unit"])]}) from None
    scope.require_write(issuer.path, PLAN_ROLES)
    plan.title, plan.number, plan.issued_on = data["title"], data["number"], data["issued_on"]
    plan.org_unit, plan.start_date, plan.end_date = issuer, data["start_date"], data["end_date"]
    plan.six_month_report_due = data["six_month_report_due"]
    plan.annual_report_due = data["annual_report_due"]
    plan.summary = data["summary"]
    db.session.add(plan)  # a new plan joins the session only once it has its fields
    # Targets go first: they point at phases (and a target needs a phase or a deadline).
    plan.targets.clear()
    db.session.flush()
    plan.phases.clear()
    db.session.flush()
    phases = []
    for seq, spec in enumerate(data["phases"], 1):
        phase = Phase(seq=seq, **spec)
        plan.phases.append(phase)
        phases.append(phase)
    errors: dict = {}
    for i, spec in enumerate(data["targets"]):
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == spec["org_unit"]))
        if unit is None or not unit.path.startswith(issuer.path):
            errors[i] = {"org_unit": [_("The target's area must lie inside the plan's area.")]}
            continue
        values = {k: v for k, v in spec.items() if k not in ("org_unit", "phase")}
        plan.targets.append(Target(seq=i + 1, org_unit=unit,
                                   phase=phases[spec["phase"] - 1] if spec["phase"] else None,
                                   **values))
    if errors:
        raise ValidationFailed(errors={"targets": errors})
    db.session.flush()
    return plan


def create_plan(data: dict, scope: Scope, actor) -> Plan:
    """Create a plan with its phases and targets; logged as "create" by ``actor``."""
    if db.session.scalar(sa.select(Plan.id).where(Plan.code == data["code"])):
        raise ValidationFailed(errors={"code": [_("This code is already used.")]})
    plan = _fill(Plan(code=data["code"]), data, scope)
    _log(plan, "create", actor, scope, after=plan_values(plan))
    return plan


def update_plan(plan: Plan, data: dict, scope: Scope, actor) -> Plan:
    """Replace the plan's fields, phases and targets (its code stays); logged as "update"
    with the fields that changed."""
    scope.require_write(plan.org_unit.path, PLAN_ROLES)
    before = plan_values(plan)
    _fill(plan, {**data, "code": plan.code}, scope)
    _log(plan, "update", actor, scope, before=before, after=plan_values(plan))
    return plan


def add_phase(plan: Plan, data: dict, scope: Scope, actor) -> Phase:
    """Append one phase; logged as "add_phase"."""
    scope.require_write(plan.org_unit.path, PLAN_ROLES)
    if data["start_date"] < plan.start_date or data["end_date"] > plan.end_date:
        raise ValidationFailed(errors={"start_date": [
            _("A phase lies inside the plan's period.")]})
    phase = Phase(seq=len(plan.phases) + 1, **data)
    plan.phases.append(phase)
    db.session.flush()
    _log(plan, "add_phase", actor, scope, after={"phase": _phase_values(phase)})
    return phase


def add_target(plan: Plan, data: dict, scope: Scope, actor) -> Target:
    """Append one target (the same checks as a whole plan's); logged as "add_target"."""
    scope.require_write(plan.org_unit.path, PLAN_ROLES)
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == data["org_unit"]))
    if unit is None or not unit.path.startswith(plan.org_unit.path):
        raise ValidationFailed(errors={"org_unit": [
            _("The target's area must lie inside the plan's area.")]})
    phase = None
    if data["phase"] is not None:
        phase = next((p for p in plan.phases if p.seq == data["phase"]), None)
        if phase is None:
            raise ValidationFailed(errors={"phase": [_("There is no phase %(n)d.",
                                                       n=data["phase"])]})
    values = {k: v for k, v in data.items() if k not in ("org_unit", "phase")}
    target = Target(seq=len(plan.targets) + 1, org_unit=unit, phase=phase, **values)
    plan.targets.append(target)
    db.session.flush()
    _log(plan, "add_target", actor, scope, after={"target": _target_values(target)})
    return target


def remove_target(plan: Plan, target_id: int, scope: Scope, actor) -> None:
    """Remove one target; logged as "remove_target" with what it was."""
    scope.require_write(plan.org_unit.path, PLAN_ROLES)
    target = next((t for t in plan.targets if t.id == target_id), None)
    if target is None:
        raise NotFound()
    before = {"target": _target_values(target)}
    plan.targets.remove(target)
    db.session.flush()
    _log(plan, "remove_target", actor, scope, before=before)


def mark_report_sent(plan: Plan, kind: str, period: str, scope: Scope, actor) -> bool:
    """Mark one of the plan's reports as sent (404 if the plan asks for no such report);
    logged as "mark_report_sent". False when it was already marked (nothing changes)."""
    scope.require_write(plan.org_unit.path, PLAN_ROLES)
    if not any(r.kind == kind and r.period == period for r in report_schedule(plan)):
        raise NotFound()
    exists = db.session.scalar(sa.select(ReportSubmission.id).where(
        ReportSubmission.plan_id == plan.id, ReportSubmission.kind == kind,
        ReportSubmission.period == period))
    if exists:
        return False
    db.session.add(ReportSubmission(plan_id=plan.id, kind=kind, period=period,
                                    submitted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    _log(plan, "mark_report_sent", actor, scope,
         after={"report_sent": {"kind": kind, "period": period}})
    return True

