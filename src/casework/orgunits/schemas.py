from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from casework.orgunits.models import KINDS
from casework.validation import Page, Schema, Text


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
