"""Input schemas for creating and editing plans (output shapes live beside the API)."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate, validates_schema

from casework.plans.metrics import METRICS
from casework.plans.models import TARGET_UNITS
from casework.validation import MAX_INT, Date, Integer, Schema, Text

# A plan longer than this is a typing mistake (the programme's plans run one to five years).
MAX_PLAN_YEARS = 20

_DAY_MONTH_RE = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def _day_month(value: str) -> None:
    """MM-DD of a day that every year has (so not 02-29)."""
    found = _DAY_MONTH_RE.fullmatch(value)
    try:
        date(2001, int(found.group(1)), int(found.group(2)))
    except (AttributeError, ValueError):
        raise ValidationError(_("Give a day of the year as MM-DD, e.g. 06-10.")) from None


def _known_metric(code: str) -> None:
    if code not in METRICS:
        raise ValidationError(_("Unknown metric; use one of: %(codes)s.",
                                codes=", ".join(sorted(METRICS))))


class PhaseInSchema(Schema):
    name = Text(required=True, min_length=1, max_length=200)
    start_date = Date(required=True)
    end_date = Date(required=True)
    report_due = Date(load_default=None, allow_none=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data["start_date"] > data["end_date"]:
            raise ValidationError({"end_date": [_("The end may not be before the start.")]})


class TargetInSchema(Schema):
    label = Text(required=True, min_length=1, max_length=300)
    metric = fields.String(required=True, validate=_known_metric)
    params = fields.Dict(load_default=dict)
    org_unit = Text(required=True, max_length=32, metadata={"description": "org unit code"})
    value = fields.Float(required=True, validate=validate.Range(min=0, max=1e12))
    unit = fields.String(required=True, validate=validate.OneOf(TARGET_UNITS))
    direction = fields.String(load_default="at_least",
                              validate=validate.OneOf(("at_least", "at_most")))
    out_of = Integer(load_default=None, allow_none=True, minimum=1, maximum=MAX_INT)
    stated = Text(load_default=None, allow_none=True, max_length=60)
    phase = Integer(load_default=None, allow_none=True, minimum=1, maximum=MAX_INT,
                    metadata={"description": "the phase's number (1, 2, …)"})
    deadline = Date(load_default=None, allow_none=True)
    counted_from = Date(load_default=None, allow_none=True)

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
    code = Text(required=True, min_length=1, max_length=40,
                validate=validate.Regexp(r"\A[\w.-]+\Z"))
    title = Text(required=True, min_length=1, max_length=300)
    number = Text(load_default=None, allow_none=True, max_length=60)
    issued_on = Date(load_default=None, allow_none=True)
    org_unit = Text(required=True, max_length=32,
                    metadata={"description": "issuing org unit code"})
    start_date = Date(required=True)
    end_date = Date(required=True)
    six_month_report_due = fields.String(load_default=None, allow_none=True,
                                         validate=_day_month,
                                         metadata={"description": "MM-DD, e.g. 06-10"})
    annual_report_due = fields.String(load_default=None, allow_none=True,
                                      validate=_day_month)
    summary = Text(load_default=None, allow_none=True, max_length=20_000)
    phases = fields.List(fields.Nested(PhaseInSchema), load_default=list)
    targets = fields.List(fields.Nested(TargetInSchema), load_default=list)

    @validates_schema
    def _check(self, data, **kwargs):
        errors: dict = {}
        if data["start_date"] > data["end_date"]:
            errors["end_date"] = [_("The end may not be before the start.")]
        elif data["end_date"].year - data["start_date"].year > MAX_PLAN_YEARS:
            errors["end_date"] = [_("A plan runs at most %(n)d years.", n=MAX_PLAN_YEARS)]
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
