"""Input schemas for creating and editing plans (output shapes live beside the API)."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.plans.metrics import METRICS
from casework.plans.models import TARGET_UNITS

_DAY_MONTH = validate.Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _known_metric(code: str) -> None:
    if code not in METRICS:
        raise ValidationError(_("Unknown metric; use one of: %(codes)s.",
                                codes=", ".join(sorted(METRICS))))


class PhaseInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    report_due = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data["start_date"] > data["end_date"]:
            raise ValidationError({"end_date": [_("The end may not be before the start.")]})


class TargetInSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=300))
    metric = fields.String(required=True, validate=_known_metric)
    params = fields.Dict(load_default=dict)
    org_unit = fields.String(required=True, metadata={"description": "org unit code"})
    value = fields.Float(required=True, validate=validate.Range(min=0))
    unit = fields.String(required=True, validate=validate.OneOf(TARGET_UNITS))
    direction = fields.String(load_default="at_least",
                              validate=validate.OneOf(("at_least", "at_most")))
    out_of = fields.Integer(load_default=None, allow_none=True,
                            validate=validate.Range(min=1))
    stated = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=60))
    phase = fields.Integer(load_default=None, allow_none=True,
                           metadata={"description": "the phase's number (1, 2, …)"})
    deadline = fields.Date(load_default=None, allow_none=True)
    counted_from = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _check(self, data, **kwargs):
        errors = {}
        if data["phase"] is None and data["deadline"] is None:
            errors["deadline"] = [_("Give a deadline or a phase.")]
        if data["unit"] == "percent" and data["value"] > 100:
            errors["value"] = [_("A percentage is at most 100.")]
        metric = METRICS.get(data["metric"])
        if metric is not None and metric.unit != data["unit"]:
            errors["unit"] = [_("This metric is measured as %(unit)s.", unit=metric.unit)]
        if data["out_of"] is not None and data["out_of"] < data["value"]:
            errors["out_of"] = [_("The whole may not be smaller than the target.")]
        if errors:
            raise ValidationError(errors)


class PlanInSchema(Schema):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=40),
                                                  validate.Regexp(r"^[\w.-]+$")])
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    issued_on = fields.Date(load_default=None, allow_none=True)
    org_unit = fields.String(required=True, metadata={"description": "issuing org unit code"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    six_month_report_due = fields.String(load_default=None, allow_none=True,
                                         validate=_DAY_MONTH,
                                         metadata={"description": "MM-DD, e.g. 06-10"})
    annual_report_due = fields.String(load_default=None, allow_none=True,
                                      validate=_DAY_MONTH)
    summary = fields.String(load_default=None, allow_none=True)
    phases = fields.List(fields.Nested(PhaseInSchema), load_default=list)
    targets = fields.List(fields.Nested(TargetInSchema), load_default=list)

    @validates_schema
    def _check(self, data, **kwargs):
        errors: dict = {}
        if data["start_date"] > data["end_date"]:
            errors["end_date"] = [_("The end may not be before the start.")]
        for i, phase in enumerate(data["phases"]):
            if phase["start_date"] < data["start_date"] or phase["end_date"] > data["end_date"]:
                errors.setdefault("phases", {})[i] = {
                    "start_date": [_("A phase lies inside the plan's period.")]}
        count = len(data["phases"])
        for i, target in enumerate(data["targets"]):
            if target["phase"] is not None and not 1 <= target["phase"] <= count:
                errors.setdefault("targets", {})[i] = {
                    "phase": [_("There is no phase %(n)d.", n=target["phase"])]}
        if errors:
            raise ValidationError(errors)
