"""Marshmallow schemas for an event's data: built from inline fields, or registered by name."""

from __future__ import annotations

from marshmallow import fields, validate

from casework.validation import MAX_INT, MIN_INT, Date, Integer, Schema, Text, no_control_characters
from casework.workflow.definitions import DataSpec, FieldSpec

__all__ = ["EmptySchema", "build_schema", "no_control_characters"]

STRING_MAX = 200
TEXT_MAX = 4000


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
        return Text(validate=length, **kwargs)
    if spec.type == "int":
        return Integer(strict=True, minimum=MIN_INT if spec.min is None else spec.min,
                       maximum=MAX_INT if spec.max is None else spec.max, **kwargs)
    if spec.type == "bool":
        return fields.Boolean(**kwargs)
    if spec.type == "date":
        return Date(**kwargs)
    if spec.type == "choice":
        return fields.String(validate=validate.OneOf(spec.choices), **kwargs)
    if spec.type == "list":
        inner = (fields.String(validate=validate.OneOf(spec.choices)) if spec.choices
                 else Text(min_length=1, max_length=STRING_MAX))
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
