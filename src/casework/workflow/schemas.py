"""JSON shapes of the workflow API (and a plain-dict description of a definition)."""

from __future__ import annotations

from marshmallow import fields

from casework.validation import MAX_INT, AwareDateTime, Integer, Schema, Text
from casework.workflow.deadlines import LOCAL_TZ
from casework.workflow.definitions import ANY_OPEN, WorkflowDef


class LabelsSchema(Schema):
    vi = fields.String()
    en = fields.String()


class WorkflowSummarySchema(Schema):
    name = fields.String()
    title = fields.String()
    version = fields.Integer()
    effective_from = fields.Date()
    versions = fields.List(fields.Integer())


class WorkflowListSchema(Schema):
    items = fields.List(fields.Nested(WorkflowSummarySchema))


class ProvenanceSchema(Schema):
    basis = fields.String(allow_none=True, metadata={"description": "the article or text"})
    source = fields.String(allow_none=True, metadata={"description": "where it was read"})
    verified = fields.Boolean(metadata={
        "description": "checked against the official text"})


class ParameterSchema(Schema):
    code = fields.String()
    value = fields.Raw()
    provenance = fields.Nested(ProvenanceSchema)


class DeadlineSchema(Schema):
    kind = fields.String()
    unit = fields.String()
    amount = fields.Raw(metadata={"description": "a number, or the data field holding it"})
    start_fields = fields.List(fields.String(), data_key="from")
    warn_days = fields.Integer(allow_none=True)
    entered_by = fields.List(fields.String(), metadata={
        "description": "the case applies when one of these events entered the state"})
    when = fields.Dict(metadata={
        "description": "the case applies when the entering event's data has these values"})
    label = fields.String()
    labels = fields.Nested(LabelsSchema)
    provenance = fields.Nested(ProvenanceSchema)


class StateSchema(Schema):
    code = fields.String()
    label = fields.String()
    labels = fields.Nested(LabelsSchema)
    closed = fields.Boolean()
    deadline = fields.Nested(DeadlineSchema, allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineSchema), metadata={
        "description": "the cases of the deadline, the first that applies wins"})


class EventSchema(Schema):
    code = fields.String()
    label = fields.String()
    labels = fields.Nested(LabelsSchema)
    date = fields.String(allow_none=True, metadata={
        "description": "the event's principal date: the data field its effective_at "
                       "defaults to"})


class TransitionSchema(Schema):
    event = fields.String()
    source = fields.Raw(metadata={"description": 'a list of states, "any open" or "new"'})
    dest = fields.String(allow_none=True, metadata={"description": "null: internal"})
    internal = fields.Boolean()
    roles = fields.List(fields.String())
    conditions = fields.List(fields.String())
    unless = fields.List(fields.String())
    data = fields.Raw(metadata={"description": '{"schema": name} or {"fields": [...]}'})
    reason_required = fields.Boolean()
    effects = fields.List(fields.String())
    provenance = fields.Nested(ProvenanceSchema)


class RuleSchema(Schema):
    code = fields.String()
    description = fields.String()
    uses_data = fields.Boolean()


class EffectSchema(Schema):
    code = fields.String()
    description = fields.String()


class WorkflowSchema(WorkflowSummarySchema):
    law = fields.Nested(LabelsSchema, allow_none=True, metadata={
        "description": "the law this version writes down"})
    from_previous = fields.Dict(metadata={
        "description": "each state of the previous version this one lacks -> its state here"})
    parameters = fields.List(fields.Nested(ParameterSchema))
    initial = fields.String()
    states = fields.List(fields.Nested(StateSchema))
    events = fields.List(fields.Nested(EventSchema))
    transitions = fields.List(fields.Nested(TransitionSchema))
    roles = fields.List(fields.String())
    rules = fields.List(fields.Nested(RuleSchema))
    effects = fields.List(fields.Nested(EffectSchema))


class AvailableEventSchema(Schema):
    """An event the caller may fire now on a workflow record (``available_events``)."""

    event = fields.String()
    label = fields.String()
    reason_required = fields.Boolean()


class TransitionRequestSchema(Schema):
    """``POST …/{id}/transitions`` of any workflow record: the event, the version the caller
    read, and the event's data (judged by the event's own schema in the engine)."""

    event = Text(required=True, min_length=1, max_length=40)
    version = Integer(required=True, strict=True, minimum=0, maximum=MAX_INT)
    reason = Text(load_default=None, allow_none=True, max_length=4000)
    effective_at = AwareDateTime(
        load_default=None, allow_none=True, default_timezone=LOCAL_TZ,
        metadata={"description": "when it happened: a date (without a time) or a date and "
                                 "time (without a zone: Vietnam time); default: the event's "
                                 "principal date (`date` of the event in the workflow), "
                                 "else now"})
    data = fields.Dict(load_default=dict)


class HistoryEntrySchema(Schema):
    """One audit entry of a record's history."""

    seq = fields.Integer()
    event = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.String(attribute="actor_name", allow_none=True)
    role = fields.String(allow_none=True)
    recorded_at = fields.DateTime()
    effective_at = fields.DateTime()
    reason = fields.String(allow_none=True)
    data = fields.Dict()
    hash = fields.String()
    workflow_version = fields.Integer(metadata={
        "description": "the version of the workflow (the law) the event was judged by: the "
                       "one in force on its effective_at"})


class HistorySchema(Schema):
    items = fields.List(fields.Nested(HistoryEntrySchema))


class WorkflowQuerySchema(Schema):
    version = Integer(minimum=1, maximum=MAX_INT)


class DiagramQuerySchema(WorkflowQuerySchema):
    state = Text(max_length=40, metadata={"description": "a state to highlight"})
    codes = fields.Boolean(load_default=False,
                           metadata={"description": "label with codes instead of names"})


def _deadline(state: str, d) -> dict:
    return {
        "kind": d.kind or state, "unit": d.unit, "amount": d.amount,
        "start_fields": list(d.from_fields), "warn_days": d.warn_days,
        "entered_by": list(d.entered_by), "when": dict(d.when),
        "label": str(d.label), "labels": d.label.as_dict(),
        "provenance": d.provenance.as_dict(),
    }


def describe(definition: WorkflowDef, catalog) -> dict:
    """Everything a client needs to know about one workflow version, as plain data."""
    registry = catalog.registry
    rules = sorted({r for t in definition.transitions for r in t.rules})
    effects = sorted({e for t in definition.transitions for e in t.effects})
    return {
        "name": definition.name,
        "title": str(definition.title),
        "version": definition.version,
        "effective_from": definition.effective_from,
        "versions": catalog.versions(definition.name),
        "initial": definition.initial,
        "states": [
            {
                "code": s.name, "label": str(s.label), "labels": s.label.as_dict(),
                "closed": s.closed,
                "deadline": None if s.deadline is None else _deadline(s.name, s.deadline),
                # Every case, the first that applies wins (the last one is "deadline").
                "deadlines": [_deadline(s.name, d) for d in s.deadlines],
            }
            for s in definition.states.values()
        ],
        "events": [
            {"code": code, "label": str(label), "labels": label.as_dict(),
             "date": definition.event_dates.get(code)}
            for code, label in definition.events.items()
        ],
        "transitions": [
            {
                "event": t.event,
                "source": ANY_OPEN if t.any_open else list(t.sources),
                "dest": t.dest, "internal": t.internal, "roles": list(t.roles),
                "conditions": list(t.conditions), "unless": list(t.unless),
                "data": ({"schema": t.data.schema_name} if t.data.schema_name
                         else {"fields": [f.as_dict() for f in t.data.fields]}),
                "reason_required": t.reason_required, "effects": list(t.effects),
                "provenance": t.provenance.as_dict(),
            }
            for t in definition.transitions
        ],
        "law": definition.law.as_dict() if definition.law is not None else None,
        "from_previous": dict(definition.from_previous),
        "parameters": [{"code": p.name, "value": p.value, "provenance": p.provenance.as_dict()}
                       for p in definition.parameters.values()],
        "roles": sorted({r for t in definition.transitions for r in t.roles}),
        "rules": [
            {"code": r, "description": str(registry.rules[r].description),
             "uses_data": registry.rules[r].uses_data}
            for r in rules
        ],
        "effects": [
            {"code": e, "description": str(registry.effects[e].description)} for e in effects
        ],
    }
