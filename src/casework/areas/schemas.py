"""Marshmallow schemas of the area API: facts by kind, areas, criteria and transitions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, ValidationError, fields, validate, validates_schema

from casework.areas.models import ACTIVITY_TYPES, ALL_FACT_KINDS, CASE_KINDS, ROUTE_SCOPES
from casework.validation import Date, Integer, Page, Schema, Text
from casework.workflow.schemas import AvailableEventSchema


def _text(max_len: int, required: bool = False) -> Text:
    kwargs = {"required": required}
    if not required:
        kwargs["allow_none"] = True
    return Text(min_length=1 if required else 0, max_length=max_len, **kwargs)


def _count(required: bool = False, minimum: int = 0) -> Integer:
    kwargs = {"required": required}
    if not required:
        kwargs["allow_none"] = True
    return Integer(minimum=minimum, maximum=1_000_000, **kwargs)


def _date(required: bool = True) -> Date:
    return Date(required=required, allow_none=not required)


class _FactSchema(Schema):
    """Fields every fact may carry."""

    kind = fields.String(required=True, validate=validate.OneOf(ALL_FACT_KINDS))
    note = _text(2000)


class HotspotFactSchema(_FactSchema):
    name = _text(200, required=True)
    address = _text(300)
    found_date = _date()


class IncidentSchema(_FactSchema):
    description = _text(300, required=True)
    found_date = _date()
    resolved_date = _date(required=False)

    @validates_schema
    def _resolved_after_found(self, data, **kwargs):
        resolved, found = data.get("resolved_date"), data.get("found_date")
        if resolved and found and resolved < found:
            raise ValidationError(str(_l("It cannot be resolved before it was found.")),
                                  "resolved_date")


class OffenderSchema(IncidentSchema):
    resident_since = _date()


class ArrestedOffenderSchema(OffenderSchema):
    """An offender resident; ``arrested_on`` counts toward QĐ 28/2025 Art 4 c."""

    arrested_on = _date(required=False)

    @validates_schema
    def _arrested_after_found(self, data, **kwargs):
        arrested, found = data.get("arrested_on"), data.get("found_date")
        if arrested and found and arrested < found:
            raise ValidationError(str(_l("The arrest cannot come before the offence was "
                                         "found.")), "arrested_on")


class DrugPlantsSchema(IncidentSchema):
    description = _text(300)
    plant_count = _count()
    plant_area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1e9))


class HouseholdTallySchema(_FactSchema):
    households_total = _count(required=True, minimum=1)
    households_signed = _count(required=True)
    as_of = _date()

    @validates_schema
    def _signed_within_total(self, data, **kwargs):
        total, signed = data.get("households_total"), data.get("households_signed")
        if total is not None and signed is not None and signed > total:
            raise ValidationError(
                str(_l("%(signed)d households cannot have signed out of %(total)d.",
                       signed=signed, total=total)),
                "households_signed",
            )


class HotlineBoardSchema(_FactSchema):
    present = fields.Boolean(required=True)
    verified_on = _date()


class PreventionModelSchema(_FactSchema):
    name = _text(200, required=True)
    decision_no = _text(60)
    started_on = _date()
    ended_on = _date(required=False)

    @validates_schema
    def _ended_after_started(self, data, **kwargs):
        ended, started = data.get("ended_on"), data.get("started_on")
        if ended and started and ended < started:
            raise ValidationError(str(_l("A model cannot end before it started.")), "ended_on")


class AwarenessActivitySchema(_FactSchema):
    activity_type = fields.String(required=True, validate=validate.OneOf(ACTIVITY_TYPES))
    activity_date = _date()
    minutes = _count()
    audience = _count()


class PopulationSchema(_FactSchema):
    """The resident population on a day (QĐ 28/2025: the denominator of Art 4 a and c)."""

    residents = Integer(required=True, minimum=1, maximum=100_000_000)
    as_of = _date()


class KeyRouteSchema(_FactSchema):
    """A key trafficking route through the commune, approved by a decision (Art 4 đ)."""

    route_scope = fields.String(required=True, validate=validate.OneOf(ROUTE_SCOPES))
    decision_no = _text(60, required=True)
    started_on = _date()
    ended_on = _date(required=False)

    @validates_schema
    def _ended_after_started(self, data, **kwargs):
        ended, started = data.get("ended_on"), data.get("started_on")
        if ended and started and ended < started:
            raise ValidationError(str(_l("A route cannot stop being key before it was "
                                         "approved.")), "ended_on")


class DrugCaseSchema(_FactSchema):
    """A drug case (WORKFLOWS.md §10); prosecuted (khởi tố) on a day, or not yet."""

    found_date = _date()
    case_kind = fields.String(required=True, validate=validate.OneOf(CASE_KINDS))
    suspects = _count(required=True)
    prosecuted_on = _date(required=False)
    case_no = _text(60)

    @validates_schema
    def _prosecuted_after_found(self, data, **kwargs):
        prosecuted, found = data.get("prosecuted_on"), data.get("found_date")
        if prosecuted and found and prosecuted < found:
            raise ValidationError(str(_l("A case cannot be prosecuted before it was found.")),
                                  "prosecuted_on")


FACT_SCHEMAS: dict[str, type[Schema]] = {
    "hotspot": HotspotFactSchema,
    "dealer": IncidentSchema,
    "use_venue": IncidentSchema,
    "ring": IncidentSchema,
    "offender": ArrestedOffenderSchema,
    "fugitive": IncidentSchema,
    "population": PopulationSchema,
    "key_route": KeyRouteSchema,
    "drug_case": DrugCaseSchema,
    "drug_plants": DrugPlantsSchema,
    "household_tally": HouseholdTallySchema,
    "hotline_board": HotlineBoardSchema,
    "prevention_model": PreventionModelSchema,
    "awareness_activity": AwarenessActivitySchema,
}

# The date field that must not lie in the future, per kind.
FACT_DATE_FIELDS = ("found_date", "resolved_date", "resident_since", "as_of", "verified_on",
                    "started_on", "ended_on", "activity_date", "arrested_on", "prosecuted_on")


class FactInputSchema(Schema):
    """``{"kind", ...}``: the other fields depend on the kind (WORKFLOWS.md §4)."""

    class Meta:
        unknown = INCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(ALL_FACT_KINDS))


class FactCloseSchema(Schema):
    """Close an incident (``resolved_date``) or end a prevention model (``ended_on``)."""

    resolved_date = Date()
    ended_on = Date()


class FactQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(ALL_FACT_KINDS))
    open = fields.Boolean()
    page = Page()
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class FactSchema(Schema):
    """A fact as the API shows it; fields that do not apply to its kind are left out."""

    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    area_code = fields.String()
    fields_ = fields.Dict(data_key="fields")
    state = fields.String(allow_none=True)
    state_label = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    available_events = fields.List(fields.Nested(AvailableEventSchema))
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    url = fields.String()


class FactListSchema(Schema):
    items = fields.List(fields.Nested(FactSchema))
    total = fields.Integer()


class AreaQuerySchema(Schema):
    parent_code = Text(max_length=32)
    state = Text(max_length=40)
    page = Page()
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AreaSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    parent_code = fields.String(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    workflow_version = fields.Integer(allow_none=True)
    due_date = fields.Date(allow_none=True)
    due_label = fields.String(allow_none=True)
    available_events = fields.List(fields.Nested(AvailableEventSchema))
    open_request_id = fields.Integer(allow_none=True)


class AreaListSchema(Schema):
    items = fields.List(fields.Nested(AreaSchema))
    total = fields.Integer()


class CriteriaQuerySchema(Schema):
    as_of = Date()


class AsDictList(fields.List):
    """A list whose items are already JSON-ready: each made by ``Evidence.as_dict``, which
    writes exactly the fields of ``EvidenceSchema`` (a test compares them). Documented as a
    list of the inner schema, passed through as it is: a province's criteria list about
    15,000 evidence items, and dumping each again field by field was a third of the answer
    (issue 16)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class EvidenceSchema(Schema):
    kind = fields.String()
    id = fields.Integer(allow_none=True)
    label = fields.String()
    detail = fields.String()
    url = fields.String()
    area_code = fields.String()
    area_name = fields.String()
    date = fields.String(allow_none=True)
    personal = fields.Boolean()


class CriterionSchema(Schema):
    code = fields.String()
    label = fields.String()
    status = fields.String()
    status_label = fields.String()
    count = fields.Integer()
    evidence = AsDictList(fields.Nested(EvidenceSchema))
    support = AsDictList(fields.Nested(EvidenceSchema))


class CriteriaSchema(Schema):
    area_code = fields.String()
    as_of = fields.String()
    all_met = fields.Boolean()
    met_count = fields.Integer()
    criteria = fields.List(fields.Nested(CriterionSchema))


class DashboardQuerySchema(Schema):
    org_unit = Text(max_length=32)


class DashboardSchema(Schema):
    """The counts the dashboard page shows."""

    org_unit = fields.String()
    name = fields.String()
    as_of = fields.Date()
    state = fields.String()
    leaves_total = fields.Integer()
    leaves_all_met = fields.Integer()
    leaves_by_state = fields.List(fields.Dict())
    areas_by_state = fields.List(fields.Dict())
    criteria = fields.List(fields.Dict())
    requests_by_state = fields.List(fields.Dict())
    units = fields.List(fields.Dict())


# --- QĐ 28/2025 classification ------------------------------------------------------------------


class ClassificationQuerySchema(Schema):
    # The year whose review period ends on 14/12 (default: the period holding today).
    period = Integer(minimum=1900, maximum=2100)


class Qd28CriterionSchema(Schema):
    code = fields.String()
    label = fields.String()
    value = fields.Raw(allow_none=True)  # a percentage, a count, {plants, area_m2} or a bool
    unit = fields.String()  # percent | count | plants_m2 | route
    count = fields.Integer(allow_none=True)
    message = fields.String(allow_none=True)  # why the value cannot be computed
    band = fields.String(allow_none=True)  # type_1 | type_2 | type_3 | null (Art 4)
    met = fields.Boolean(allow_none=True)  # Art 5 and Art 6
    evidence = AsDictList(fields.Nested(EvidenceSchema))


class DrugFreeSchema(Schema):
    met = fields.Boolean()
    criteria = fields.List(fields.Nested(Qd28CriterionSchema))


class ClassificationSchema(Schema):
    """A commune's classification (Art 4, 6) or a province's (Art 5)."""

    area_code = fields.String()
    period = fields.Dict()
    population = fields.Integer(allow_none=True)
    criteria = fields.List(fields.Nested(Qd28CriterionSchema))
    type = fields.String()
    drug_free = fields.Nested(DrugFreeSchema)
    classification = fields.String()
    approved = fields.Raw(allow_none=True)
    met_count = fields.Integer()
    key_province = fields.Boolean()
    communes = fields.Dict()
