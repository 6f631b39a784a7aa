from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from casework.orgunits.models import KINDS
from casework.validation import Date, Page, Schema, Text


class OrgUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    parent_code = fields.Function(lambda u: u.parent.code if u.parent else None)
    depth = fields.Integer()
    remote = fields.Boolean(metadata={
        "description": "a commune or ward in a remote or mountainous area (Decree 105/2021 "
                       "Art 41.1): its `positive` deadline is 16 working days, not 9"})


class OrgUnitListSchema(Schema):
    items = fields.List(fields.Nested(OrgUnitSchema))
    total = fields.Integer()


class OrgUnitQuerySchema(Schema):
    parent_code = Text(max_length=32)
    kind = fields.String(validate=validate.OneOf(KINDS))
    page = Page()
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class OrgUnitCreateSchema(Schema):
    code = Text(required=True, min_length=1, max_length=32)
    name = Text(required=True, min_length=1, max_length=200)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent_code = Text(required=True, max_length=32)


class OrgUnitUpdateSchema(Schema):
    name = Text(min_length=1, max_length=200)
    remote = fields.Boolean(metadata={"description": "only a commune or ward can be remote"})

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError(str(_l("Give a new name or the remote flag.")), "_schema")


class AsOfSchema(Schema):
    as_of = Date(metadata={"description": "the day whose map is read; Vietnam's today by "
                                          "default"})


class OrgUnitListQuerySchema(OrgUnitQuerySchema):
    as_of = Date(metadata={"description": "list the tree as it was on that day: the units "
                                          "that existed then, each with that day's parent"})


class SuccessionStepSchema(Schema):
    code = fields.String()
    name = fields.String()
    unit_kind = fields.String()
    kind = fields.String(metadata={"description": "the succession: merge, split or rename"})
    on = fields.String(metadata={"description": "the successor's first day (ISO date)"})
    basis = fields.String(metadata={"description": "the legal basis"})


class OrgUnitDetailSchema(OrgUnitSchema):
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True, metadata={"description": "the last day it existed"})
    as_of = fields.Date()
    parent_code = fields.String(allow_none=True,
                                metadata={"description": "its parent on `as_of`"})
    predecessors = fields.List(fields.Nested(SuccessionStepSchema))
    successors = fields.List(fields.Nested(SuccessionStepSchema))


class OrgUnitOnDaySchema(OrgUnitSchema):
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    parent_code = fields.String(allow_none=True)
    depth = fields.Integer()


class OrgUnitOnDayListSchema(Schema):
    as_of = fields.Date()
    items = fields.List(fields.Nested(OrgUnitOnDaySchema))
    total = fields.Integer()


class SuccessionRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("merge", "move")))
    old = fields.List(Text(min_length=1, max_length=32), required=True,
                      validate=validate.Length(min=1, max=50),
                      metadata={"description": "merge: the units that end; move: the one unit "
                                               "that moves"})
    new = Text(required=True, min_length=1, max_length=32,
               metadata={"description": "merge: the successor; move: the new parent"})
    on = Date(required=True, metadata={"description": "the successor's first day; the old "
                                                      "units' last day is the day before"})
    basis = Text(required=True, min_length=1, max_length=300,
                 metadata={"description": "the legal basis, e.g. NQ 1670/NQ-UBTVQH15 Art 1.35"})
    dry_run = fields.Boolean(load_default=True)

    @validates_schema
    def _one_unit_moves(self, data, **kwargs):
        if data.get("kind") == "move" and len(data.get("old", ())) != 1:
            raise ValidationError(str(_l("A move names exactly one unit.")), "old")


class SuccessionReportSchema(Schema):
    kind = fields.String()
    on = fields.String()
    basis = fields.String()
    old = fields.List(fields.String())
    new = fields.String()
    dry_run = fields.Boolean()
    written = fields.Boolean()
    succession_id = fields.Integer(allow_none=True)
    ending = fields.List(fields.Dict(), metadata={
        "description": "units that end: code, name, kind, valid_to"})
    moving = fields.List(fields.Dict(), metadata={
        "description": "units that move: code, name, kind, from, to (parent codes)"})
    assignments = fields.List(fields.Dict(), metadata={
        "description": "role assignments staying on the old units: username, role, unit"})
    open_records = fields.List(fields.Dict(), metadata={
        "description": "per old unit: counts of its open records by kind"})
    conflicts = fields.List(fields.Dict(), metadata={
        "description": "what stops the real run: unit, records, count, message"})
