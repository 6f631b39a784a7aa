"""The labels of the person workflow's data fields and coded values, as its forms and
timeline show them. The forms themselves are built by casework.web.events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from casework.people.dossier import GROUNDS_LABELS, LEGAL_BASIS_LABELS
from casework.web.fields import register_labels

FIELD_LABELS = {
    "test_date": _l("Test date"),
    "sample": _l("Sample"),
    "substances": _l("Substances (comma-separated)"),
    "result": _l("Result"),
    "facility": _l("Facility"),
    "guardian_consent": _l("A parent or guardian consented"),
    "decision_no": _l("Decision number"),
    "decision_date": _l("Decision date"),
    "check_date": _l("Check date"),
    "present": _l("Present at the residence"),
    "note": _l("Note"),
    "grounds": _l("Grounds"),
    "assessment_date": _l("Assessment date"),
    "doctor": _l("Doctor"),
    "criteria_met": _l("Criteria met (0–6)"),
    "addicted": _l("Addicted"),
    "setting": _l("Setting"),
    "start_date": _l("Start date"),
    "planned_months": _l("Planned months"),
    "clinic": _l("Clinic"),
    "completion_date": _l("Completion date"),
    "certificate_no": _l("Certificate number"),
    "stop_date": _l("Stop date"),
    "outcome": _l("Outcome"),
    "violation_record_no": _l("Violation record number"),
    "court": _l("Court"),
    "ordered": _l("Compulsory rehab ordered"),
    "months": _l("Months ordered"),
    "release_date": _l("Release date"),
    "to_area_code": _l("New area code"),
    "exit_reason": _l("Exit reason"),
    "exit_date": _l("Exit date"),
    "post_rehab_months": _l("Post-rehab term (months)"),
    "remote_commune": _l("Remote or mountainous commune"),
    "legal_basis": _l("Legal basis"),
    "effective_date": _l("Date it happened (default: today)"),
    "effective_time": _l("Time (hh:mm, optional)"),
    # Electronic monitoring and moves (Law 120/2025, person version 2).
    "date": _l("Date"),
    "device_id": _l("Device number"),
    "medical": _l("Removed for medical reasons"),
    "reported_at": _l("Date the move was acknowledged"),
    # Law 120/2025: the 24 hours for a management decision run from receiving the result.
    "test_date_time": _l("Time the result was received (hh:mm)"),
}

CHOICE_LABELS = {
    "urine": _l("Urine"),
    "blood": _l("Blood"),
    "hair": _l("Hair"),
    "saliva": _l("Saliva"),
    "positive": _l("Positive"),
    "negative": _l("Negative"),
    "community": _l("At home or in the community"),
    "facility": _l("At a rehab facility"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
    "moved_out": _l("Moved out"),
    "imprisoned": _l("Imprisoned"),
    "deceased": _l("Deceased"),
    "missing": _l("Missing"),
    "educational_measure": _l("Sent to a reformatory or education centre"),
    **GROUNDS_LABELS,
    **LEGAL_BASIS_LABELS,
}


register_labels(FIELD_LABELS, CHOICE_LABELS)
