"""Marshmallow schemas for an event's data: built from inline fields, or registered by name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from casework.workflow.definitions import DataSpec, FieldSpec

STRING_MAX = 200
TEXT_MAX = 4000


def no_control_characters(value: str) -> None:
    """Text may hold line breaks and tabs, never other control characters (nor NUL)."""
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValidationError(str(_l("Remove the control characters from this text.")))


class EmptySchema(Schema):
    """An event that takes no data: any field sent is an error."""


def _length(spec: FieldSpec, default_max: int):
    lo = spec.min if spec.min is not None else (1 if spec.required else 0)
    hi = spec.max if spec.max is not None else default_max
    return validate.Length(min=lo, max=hi)


def _field(spec: FieldSpec) -> fields.Field:
    kwargs = {"required": spec.required}
    if not spec.required:
        kwargs["allow_none"] = True
    if spec.type in ("string", "text"):
        length = _length(spec, STRING_MAX if spec.type == "string" else TEXT_MAX)
        return fields.String(validate=[length, no_control_characters], **kwargs)
    if spec.type == "int":
        return fields.Integer(strict=True, validate=validate.Range(min=spec.min, max=spec.max),
                              **kwargs)
    if spec.type == "bool":
        return fields.Boolean(**kwargs)
    if spec.type == "date":
        return fields.Date(**kwargs)
    if spec.type == "choice":
        return fields.String(validate=validate.OneOf(spec.choices), **kwargs)
    if spec.type == "list":
        inner = (fields.String(validate=validate.OneOf(spec.choices)) if spec.choices
                 else fields.String(validate=[validate.Length(min=1, max=STRING_MAX),
                                              no_control_characters]))
        lo = spec.min if spec.min is not None else (1 if spec.required else 0)
        return fields.List(inner, validate=validate.Length(min=lo, max=spec.max), **kwargs)
    raise ValueError(f"unknown field type {spec.type!r}")  # the reader rejects these earlier


def build_schema(spec: DataSpec, registry, name: str) -> Schema:
    """One schema instance for a transition's data; instances are shared and reused."""
    if spec.schema_name:
        return registry.schemas[spec.schema_name]()
    if not spec.fields:
        return EmptySchema()
    schema_cls = Schema.from_dict({f.name: _field(f) for f in spec.fields}, name=name)
    return schema_cls()
