"""JSON shapes of the commune review API (INTERFACES.md, "Classification and annual review")."""

from __future__ import annotations

from marshmallow import fields, validate

from casework.validation import Integer, Schema, Text
from casework.workflow.schemas import AvailableEventSchema

PERIOD_FIELD = {"minimum": 2000, "maximum": 2100}


class ReviewCreateSchema(Schema):
    area_code = Text(required=True, min_length=1, max_length=32)
    period = Integer(required=True, **PERIOD_FIELD, metadata={
        "description": "the year the period ends: 2026 is 15/12/2025 to 14/12/2026"})


class ReviewQuerySchema(Schema):
    period = Integer(**PERIOD_FIELD)
    area_code = Text(max_length=32)
    state = Text(max_length=40)
    awaiting_me = fields.Boolean(load_default=False)


class ProvinceReportQuerySchema(Schema):
    org_unit = Text(required=True, min_length=1, max_length=32)
    period = Integer(required=True, **PERIOD_FIELD)


class CommuneReviewSchema(Schema):
    id = fields.Integer()
    area_code = fields.String()
    area_name = fields.String()
    period = fields.Integer()
    period_from = fields.Date()
    period_to = fields.Date()
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    workflow_version = fields.Integer()
    awaiting_role = fields.String(allow_none=True)
    available_events = fields.List(fields.Nested(AvailableEventSchema))
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    note = fields.String(allow_none=True)
    snapshot = fields.Dict(allow_none=True)
    snapshot_sha256 = fields.String(allow_none=True)
    submitted_on = fields.Date(allow_none=True)
    computed_classification = fields.String(allow_none=True, validate=validate.Length(max=16))
    meeting_date = fields.Date(allow_none=True)
    decision_no = fields.String(allow_none=True)
    decision_date = fields.Date(allow_none=True)
    approved_classification = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)


class ReviewListSchema(Schema):
    items = fields.List(fields.Nested(CommuneReviewSchema))
    total = fields.Integer()
