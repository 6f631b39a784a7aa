from __future__ import annotations

from marshmallow import fields, validate

from casework.validation import Integer, Page, Schema, Text


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
    post = fields.String()
    roles = fields.List(fields.Nested(GrantSchema), attribute="assignments")


# --- user administration (auth.accounts) ---------------------------------------------------------


class AssignmentInSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "a role code (WORKFLOWS.md, Roles)"})
    org_unit = Text(required=True, min_length=1, max_length=40,
                    metadata={"description": "the code of the unit the role covers"})


def _assignments(**kwargs):
    return fields.List(fields.Nested(AssignmentInSchema), **kwargs)


class UserCreateSchema(Schema):
    username = Text(required=True, min_length=1, max_length=64)
    full_name = Text(required=True, min_length=1, max_length=200)
    post = Text(load_default="", max_length=200,
                metadata={"description": "official title, e.g. Trưởng Công an phường"})
    email = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=1024))
    assignments = _assignments(required=True)


class UserUpdateSchema(Schema):
    full_name = Text(min_length=1, max_length=200)
    post = Text(max_length=200)
    email = fields.String(allow_none=True, validate=validate.Length(max=254),
                          metadata={"description": "null or empty: no address"})
    assignments = _assignments(metadata={"description": "replaces every role of the user"})
    active = fields.Boolean(metadata={"description": "false disables the account (its "
                                                     "sessions and tokens end)"})
    unlock = fields.Boolean(metadata={"description": "true lifts a sign-in lockout"})
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=1024),
                             metadata={"description": "a new password; signs the user out "
                                                      "everywhere"})


class UserQuerySchema(Schema):
    page = Page()
    per_page = Integer(minimum=1, maximum=500, load_default=50)


class AssignmentOutSchema(Schema):
    role = fields.String()
    role_label = fields.String()
    org_unit = fields.String(attribute="org_unit.code")
    org_unit_name = fields.String(attribute="org_unit.name")


class UserSchema(Schema):
    username = fields.String()
    full_name = fields.String()
    post = fields.String()
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    locked = fields.Boolean(metadata={"description": "sign-in locked after failures"})
    locked_until = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    assignments = fields.List(fields.Nested(AssignmentOutSchema))
    manageable = fields.Boolean(metadata={"description": "whether the caller may change it"})


class UserListSchema(Schema):
    items = fields.List(fields.Nested(UserSchema))
    total = fields.Integer()
