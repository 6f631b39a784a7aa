"""Labels for the data fields of workflow events and their coded values.

Features register theirs (people/forms.py, …); the timeline and forms show them in the
user's language instead of field codes such as ``test_date`` or ``positive``.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

# The registry lives with the workflow engine, whose messages name fields too.
from casework.workflow.labels import (  # noqa: F401
    CHOICE_LABELS,
    FIELD_LABELS,
    field_label,
    register_labels,
)


def field_value(value) -> str:
    """A logged data value as a person reads it."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(field_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {field_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        if value in CHOICE_LABELS:
            return str(CHOICE_LABELS[value])
        try:
            return format_date(date.fromisoformat(value), "dd/MM/yyyy")
        except ValueError:
            return value
    return "" if value is None else str(value)
