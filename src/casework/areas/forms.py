"""Labels of the area and recognition fields, and the fact forms by kind."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from casework.areas.models import (
    ACTIVITY_TYPE_LABELS,
    CASE_KIND_LABELS,
    FACT_KINDS,
    LEAF_ONLY_KINDS,
    QD28_UNIT_KINDS,
    QD28_UNITS,
    ROUTE_SCOPE_LABELS,
)
from casework.errors import ValidationFailed
from casework.orgunits.models import LEAF_KINDS
from casework.typed_dates import iso_dates
from casework.web.fields import field_label, register_labels

FIELD_LABELS = {
    "level": _l("Level"),
    "complexity_type": _l("Complexity type"),
    "minutes_no": _l("Minutes number"),
    "breached": _l("Criteria breached"),
    "review_date": _l("Review date"),
    "eliminated_date": _l("Elimination date"),
    "found_date": _l("Date found"),
    "name": _l("Name"),
    "address": _l("Address"),
    "description": _l("Description"),
    "resolved_date": _l("Date resolved"),
    "resident_since": _l("Resident since"),
    "plant_count": _l("Number of plants"),
    "plant_area_m2": _l("Area (m²)"),
    "households_total": _l("Households"),
    "households_signed": _l("Households that signed"),
    "as_of": _l("Counted on"),
    "verified_on": _l("Checked on"),
    "started_on": _l("Started on"),
    "ended_on": _l("Ended on"),
    "activity_type": _l("Activity"),
    "activity_date": _l("Date"),
    "minutes": _l("Duration (minutes)"),
    "audience": _l("Audience"),
    "meeting_date": _l("Meeting date"),
    "inspection_date": _l("Inspection date"),
    "verdicts": _l("Verdicts"),
    "self_assessment": _l("Self-assessment"),
    "attachments": _l("Attachments"),
    "snapshot_sha256": _l("Criteria snapshot (SHA-256)"),
    "met": _l("Met"),
    "arrested_on": _l("Arrested on"),
    "residents": _l("Residents"),
    "route_scope": _l("Route"),
    "case_kind": _l("Kind of case"),
    "suspects": _l("Suspects"),
    "prosecuted_on": _l("Prosecuted on"),
    "case_no": _l("Case number"),
}
CHOICE_LABELS = {
    "complex": _l("Complex"),
    "less_complex": _l("Less complex"),
    **ACTIVITY_TYPE_LABELS,
    **ROUTE_SCOPE_LABELS,
    **CASE_KIND_LABELS,
}
register_labels(FIELD_LABELS, CHOICE_LABELS)


@dataclass(frozen=True)
class FactField:
    name: str
    type: str  # text | textarea | date | int | number | bool | choice
    required: bool = False
    choices: tuple[tuple[str, object], ...] = ()

    @property
    def label(self) -> str:
        return field_label(self.name)


_INCIDENT = (FactField("description", "text", True), FactField("found_date", "date", True),
             FactField("resolved_date", "date"))

FACT_FORMS: dict[str, tuple[FactField, ...]] = {
    "hotspot": (FactField("name", "text", True), FactField("address", "text"),
                FactField("found_date", "date", True)),
    "dealer": _INCIDENT,
    "use_venue": _INCIDENT,
    "ring": _INCIDENT,
    "offender": (FactField("description", "text", True),
                 FactField("resident_since", "date", True), FactField("found_date", "date", True),
                 FactField("arrested_on", "date")),
    "fugitive": _INCIDENT,
    "population": (FactField("residents", "int", True), FactField("as_of", "date", True)),
    "key_route": (FactField("route_scope", "choice", True, tuple(ROUTE_SCOPE_LABELS.items())),
                  FactField("decision_no", "text", True), FactField("started_on", "date", True),
                  FactField("ended_on", "date")),
    "drug_case": (FactField("case_kind", "choice", True, tuple(CASE_KIND_LABELS.items())),
                  FactField("suspects", "int", True), FactField("found_date", "date", True),
                  FactField("prosecuted_on", "date"), FactField("case_no", "text")),
    "drug_plants": (FactField("description", "text"), FactField("plant_count", "int"),
                    FactField("plant_area_m2", "number"), FactField("found_date", "date", True)),
    "household_tally": (FactField("households_total", "int", True),
                        FactField("households_signed", "int", True),
                        FactField("as_of", "date", True)),
    "hotline_board": (FactField("present", "bool", True), FactField("verified_on", "date", True)),
    "prevention_model": (FactField("name", "text", True), FactField("decision_no", "text"),
                         FactField("started_on", "date", True), FactField("ended_on", "date")),
    "awareness_activity": (
        FactField("activity_type", "choice", True, tuple(ACTIVITY_TYPE_LABELS.items())),
        FactField("activity_date", "date", True), FactField("minutes", "int"),
        FactField("audience", "int")),
}
# Every kind but the hotspot also takes a free note.
NOTE = FactField("note", "textarea")


def fact_kinds_for(unit) -> list[str]:
    """The kinds a user may record for ``unit`` (tallies and boards: groups and villages;
    population and key routes: communes, wards, special zones and provinces)."""
    kinds = ["hotspot", *FACT_KINDS]
    if unit.kind not in LEAF_KINDS:
        kinds = [k for k in kinds if k not in LEAF_ONLY_KINDS]
    if unit.kind not in QD28_UNITS:
        kinds = [k for k in kinds if k not in QD28_UNIT_KINDS]
    return kinds


def fact_fields(kind: str) -> tuple[FactField, ...]:
    return FACT_FORMS[kind] + (() if kind == "hotspot" else (NOTE,))


def fact_payload(kind: str, form) -> dict:
    """Form values of one fact kind as the service expects them (strings, as in JSON; dates
    typed dd/mm/yyyy become ISO). ValidationFailed for a date typed otherwise."""
    payload: dict = {"kind": kind}
    for f in fact_fields(kind):
        raw = form.get(f.name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        if f.type == "bool":
            if raw in ("true", "false"):
                payload[f.name] = raw == "true"
            continue
        if raw != "":
            payload[f.name] = raw
    errors = iso_dates(payload, [f.name for f in fact_fields(kind) if f.type == "date"])
    if errors:
        raise ValidationFailed(errors=errors)
    return payload
