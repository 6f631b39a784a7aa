"""Rules and effects of the annual commune review (``workflows/commune_review.yaml``)."""

from __future__ import annotations

import hashlib
import json

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.areas import qd28
from casework.workflow.duties import other_steps
from casework.workflow.labels import register_labels
from casework.workflow.registry import effect, rule

# The step of the review each role acts at; one person may act at only one step of a review.
STEP_OF_ROLE = {
    "police": "preparation",
    "commune_chair": "commune_approval",
    "province_authority": "province_approval",
}
STEP_LABELS = {
    "preparation": _l("preparation by the commune police"),
    "commune_approval": _l("approval by the commune People's Committee"),
    "province_approval": _l("approval by the provincial People's Committee"),
}
# The classifications of QĐ 28/2025, as people read them (the codes are the contract's).
CLASSIFICATION_LABELS = qd28.CLASSIFICATION_LABELS
register_labels(
    fields={"classification": _l("Classification"),
            "computed_classification": _l("Computed classification"),
            "approved_classification": _l("Approved classification"),
            # the parts of Art 4 d's value (qd28's drug plants measure)
            "plants": _l("plants"), "area_m2": _l("m²")},
    choices=dict(CLASSIFICATION_LABELS))


def classification_label(code: str | None) -> str:
    return str(CLASSIFICATION_LABELS.get(code, code)) if code else "—"


@rule("review_separate_duties", _l("one person acts at only one step of a review"),
      uses_data=False)
def review_separate_duties(record, data, context):
    """Whoever acted at one step of the review may not act at another."""
    other = other_steps(record, context, STEP_OF_ROLE)
    if other:
        return _("You already acted on this review at the step of %(step)s; one person may act "
                 "at only one step, so a colleague must do this.",
                 step=", ".join(str(STEP_LABELS[s]) for s in other))
    return True


@rule("override_has_reason",
      _l("a classification other than the computed one is approved only with a reason"))
def override_has_reason(record, data, context):
    chosen = data.get("classification")
    computed = record.computed_classification
    if chosen and chosen != computed and not (context.reason or "").strip():
        return _("The computed classification is “%(computed)s”; to approve “%(chosen)s” "
                 "instead, write the reason.", computed=classification_label(computed),
                 chosen=classification_label(chosen))
    return True


def snapshot_hash(snapshot: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, compact, UTF-8)."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frozen_result(unit, year: int) -> tuple[str, dict]:
    """The computed classification of ``unit`` for the period and its snapshot: codes,
    values and counts only, never a name (anyone who reads the review may read it)."""
    with force_locale("vi"):  # labels and messages in one language: the same data, one hash
        result = qd28.classify_commune(unit, year)
        shown = result.as_dict(personal=False)
        shown.pop("approved", None)  # what the review decides, not what it computed
        snapshot = json.loads(json.dumps(shown, default=str))
    return result.classification, snapshot


@effect("freeze_review_result",
        _l("freezes the computed classification and its SHA-256 in the review"))
def freeze_review_result(record, data, context):
    classification, snapshot = frozen_result(record.org_unit, record.period_year)
    digest = snapshot_hash(snapshot)
    record.note = data.get("note")
    record.snapshot = snapshot
    record.snapshot_sha256 = digest
    record.computed_classification = classification
    record.submitted_on = context.effective_date
    derived = getattr(context, "derived", None)
    if isinstance(derived, dict):  # recorded in the audit entry too
        derived["snapshot_sha256"] = digest
        derived["computed_classification"] = classification


@effect("store_commune_approval", _l("keeps the date of the commune's approval"))
def store_commune_approval(record, data, context):
    record.meeting_date = data.get("meeting_date")


@effect("store_province_decision",
        _l("keeps the province's decision and the classification it approved"))
def store_province_decision(record, data, context):
    chosen = data.get("classification") or record.computed_classification
    record.decision_no = data.get("decision_no")
    record.decision_date = data.get("decision_date")
    record.approved_classification = chosen
    record.override_reason = ((context.reason or "").strip() or None
                              if chosen != record.computed_classification else None)
    derived = getattr(context, "derived", None)
    if isinstance(derived, dict):
        derived["approved_classification"] = chosen
