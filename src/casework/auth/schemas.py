from __future__ import annotations

from marshmallow import fields, validate

from casework.validation import Schema, Text


class TokenRequestSchema(Schema):
    username = Text(required=True, min_length=1, max_length=64)
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=1024))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class GrantSchema(Schema):
    role = fields.String()
    role_label = fields.String()
    org_unit_code = fields.String(attribute="org_unit.code")
    org_unit_name = fields.String(attribute="org_unit.name")


class MeSchema(Schema):
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.Nested(GrantSchema), attribute="assignments")
