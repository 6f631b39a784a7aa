"""Rules and effects of the recognition request workflow (``workflows/recognition.yaml``)."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.areas.criteria import CRITERIA, evaluate_area
from casework.areas.services import request_state
from casework.auth.roles import role_label
from casework.extensions import db
from casework.recognition.models import RecognitionAttachment
from casework.workflow.duties import acting_role, other_steps
from casework.workflow.engine import fire_caused_by, state_label
from casework.workflow.registry import effect, rule

# The step of the chain each role acts at; one person may act at only one step of a request.
STEP_OF_ROLE = {
    "police": "preparation",
    "inspector": "inspection",
    "steering_committee": "endorsement",
    "city_authority": "approval",
    "commune_chair": "approval",
    "province_authority": "approval",
}
STEP_LABELS = {
    "preparation": _l("preparation"),
    "inspection": _l("inspection"),
    "endorsement": _l("endorsement"),
    "approval": _l("approval"),
}


def _not_met(judgements: dict) -> list[str]:
    return [code for code in CRITERIA if not judgements.get(code, {}).get("met")]


@rule("self_assessed_all_met", _l("every criterion is self-assessed as met"))
def self_assessed_all_met(record, data, context):
    failing = _not_met(data.get("self_assessment") or {})
    if failing:
        return _("A request is submitted only when all 8 criteria are met; not met: "
                 "%(codes)s.", codes=", ".join(failing))
    return True


@rule("verdicts_all_met", _l("the inspection team finds all 8 criteria met"))
def verdicts_all_met(record, data, context):
    failing = _not_met(data.get("verdicts") or {})
    if failing:
        return _("All 8 criteria must be met to pass the inspection; not met: %(codes)s. "
                 "Return the request instead.", codes=", ".join(failing))
    return True


# --- separation of duties ---------------------------------------------------------------------


@rule("separate_duties", _l("one person acts at only one step of a request"), uses_data=False)
def separate_duties(record, data, context):
    """Separation of duties: whoever acted at one step may not act at another."""
    other = other_steps(record, context, STEP_OF_ROLE)
    if other:
        return _("You already acted on this request at the %(step)s step; one person may act "
                 "at only one step, so a colleague must do this.",
                 step=", ".join(str(STEP_LABELS[s]) for s in other))
    return True


# --- the approver of §11 ----------------------------------------------------------------------


@rule("approver_of_level_and_date",
      _l("an approving People's Committee acts only for the levels it approves on that date"),
      uses_data=False)
def approver_of_level_and_date(record, data, context):
    """WORKFLOWS.md §11: the approver depends on the area's level and the event's date
    (recognition.yaml, meta.approvers). The other steps' roles are not concerned."""
    table = context.definition.meta.get("approvers")
    if table is None or acting_role(context) not in table.roles():
        return True
    unit = record.org_unit
    day = context.effective_date
    approver = table.approver(unit.kind, day)
    if approver is None:
        return _("No People's Committee recognises a %(kind)s on %(date)s.",
                 kind=unit.kind_label, date=day.strftime("%d/%m/%Y"))
    if approver.role in context.roles:
        return True
    return _("On %(date)s a %(kind)s is recognised by the %(role)s (%(basis)s); your role "
             "does not approve it.", date=day.strftime("%d/%m/%Y"), kind=unit.kind_label,
             role=role_label(approver.role), basis=approver.basis)


# --- the area and its criteria ----------------------------------------------------------------


def _criteria(record, context):
    """The computed criteria of the request's area on the event's date (once per event)."""
    found = context.extra.get("criteria")
    if found is None:
        found = evaluate_area(record.org_unit, context.effective_date)
        context.extra["criteria"] = found
    return found


@rule("computed_criteria_not_broken", _l("no criterion is broken by the recorded data"),
      uses_data=False)
def computed_criteria_not_broken(record, data, context):
    result = _criteria(record, context)
    broken = result.codes_with("not_met")
    if broken:
        return _("The recorded data show criteria not met on %(date)s: %(codes)s. Resolve "
                 "them before submitting.", date=context.effective_date.strftime("%d/%m/%Y"),
                 codes=", ".join(broken))
    return True


@rule("area_awaits_recognition", _l("the area is less complex, awaiting recognition"),
      uses_data=False)
def area_awaits_recognition(record, data, context):
    area = getattr(record, "area", None)
    if area is None:
        return _("The request has no area record to recognise.")
    if area.state != request_state():
        return _("The area is “%(state)s”; only a less complex area can be recognised.",
                 state=state_label(area))
    return True


def snapshot_hash(snapshot: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, compact, UTF-8)."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@effect("freeze_criteria_snapshot",
        _l("freezes the computed criteria and their SHA-256 in the dossier"))
def freeze_criteria_snapshot(record, data, context):
    result = _criteria(record, context)
    snapshot = result.as_dict()
    digest = snapshot_hash(snapshot)
    record.self_assessment = data.get("self_assessment")
    record.snapshot = snapshot
    record.snapshot_sha256 = digest
    record.submitted_on = context.effective_date
    derived = getattr(context, "derived", None)
    if isinstance(derived, dict):  # recorded in the audit entry too
        derived["snapshot_sha256"] = digest


@effect("store_evaluation", _l("keeps the inspection verdicts in the dossier"))
def store_evaluation(record, data, context):
    record.verdicts = data.get("verdicts")
    record.inspection_date = data.get("inspection_date")
    record.minutes_no = data.get("minutes_no")


@effect("store_endorsement", _l("keeps the steering committee's meeting date"))
def store_endorsement(record, data, context):
    record.meeting_date = data.get("meeting_date")


@effect("store_decision", _l("keeps the city's decision in the dossier"))
def store_decision(record, data, context):
    record.decision_no = data.get("decision_no")
    record.decision_date = data.get("decision_date")


@effect("recognize_area", _l("recognises the area as drug-free (its `recognize` event)"))
def recognize_area(record, data, context):
    """The approval fires the area's ``recognize`` in the same transaction.

    It fires once the approval itself is logged (an after-log callback): firing inside the
    effect would flush the half-moved request and bump its version twice. The approval stays
    the cause of the area's event, which its ``via_recognition_approval`` rule requires.
    """
    def fire_recognize(entry):
        fire_caused_by(context, record.area, "recognize", context.actor,
                       data={"decision_no": data["decision_no"],
                             "decision_date": data["decision_date"].isoformat()},
                       effective_at=context.effective_at)

    context.after_log.append(fire_recognize)


# --- attachments ------------------------------------------------------------------------------


def _unfiled(record, checksums: list[str]) -> set[str]:
    if not checksums or getattr(record, "id", None) is None:
        return set()
    return set(db.session.scalars(
        sa.select(RecognitionAttachment.sha256).where(
            RecognitionAttachment.request_id == record.id,
            RecognitionAttachment.sha256.in_(checksums),
            RecognitionAttachment.event.is_(None),
        )
    ))


@rule("attachments_on_request", _l("the files named are attached to this request"))
def attachments_on_request(record, data, context):
    checksums = data.get("attachments") or []
    missing = [c for c in checksums if c not in _unfiled(record, checksums)]
    if missing:
        return _("These files are not attached to this request, or were filed with an "
                 "earlier step: %(files)s.", files=", ".join(c[:12] for c in missing))
    return True


@effect("file_attachments", _l("files the named attachments with this step"))
def file_attachments(record, data, context):
    checksums = data.get("attachments") or []
    if not checksums:
        return
    db.session.execute(
        sa.update(RecognitionAttachment)
        .where(RecognitionAttachment.request_id == record.id,
               RecognitionAttachment.sha256.in_(checksums))
        .values(event=context.event)
        .execution_options(synchronize_session="fetch")
    )
