"""The generic workflow engine: definitions as data, one engine that changes ``state``.

Features use::

    from casework.workflow import WorkflowRecordMixin, fire, open_record, available_events
    from casework.workflow.registry import rule, effect, data_schema, record_type
"""

from casework.workflow.engine import (  # noqa: F401
    EventOption,
    RuleContext,
    available_events,
    definition_of,
    fire,
    open_record,
    state_label,
)
from casework.workflow.records import WorkflowRecordMixin  # noqa: F401
