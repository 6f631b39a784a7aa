from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.orgunits.models import KINDS


class OrgUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    parent_code = fields.Function(lambda u: u.parent.code if u.parent else None)
    depth = fields.Integer()


class OrgUnitListSchema(Schema):
    items = fields.List(fields.Nested(OrgUnitSchema))
    total = fields.Integer()


class OrgUnitQuerySchema(Schema):
    parent_code = fields.String()
    kind = fields.String(validate=validate.OneOf(KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class OrgUnitCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent_code = fields.String(required=True)


class OrgUnitUpdateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
