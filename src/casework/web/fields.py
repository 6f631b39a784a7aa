"""Labels for the data fields of workflow events and their coded values.

Features register theirs (people/forms.py, …); the timeline and forms show them in the
user's language instead of field codes such as ``test_date`` or ``positive``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from casework.auth.models import User
from casework.extensions import db

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
        return "; ".join(f"{history_label(k)}: {field_value(v)}" for k, v in value.items()
                         if not is_empty(v))
    if isinstance(value, str):
        if value in CHOICE_LABELS:
            return str(CHOICE_LABELS[value])
        try:
            return format_date(date.fromisoformat(value), "dd/MM/yyyy")
        except ValueError:
            return value
    return "" if value is None else str(value)


def is_empty(value) -> bool:
    """Nothing to show: no value, an empty text, list or mapping (or one of empty values)."""
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_empty(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip())


# A form's label may carry a hint on how to type the value ("Substances (comma-separated)");
# a history shows the value, so the hint goes.
_HINT = re.compile(r"\s*\((?:[^()]*)\)\s*$")


def history_label(name: str) -> str:
    """The label of a logged data field, without the form's typing hint."""
    label = field_label(name)
    return _HINT.sub("", label) or label


def actor_label(entry) -> str:
    """Who acted on a history entry: their name, and their post when the user model has one
    (``post``); the username an entry keeps when the account is gone; "system" for none."""
    user = getattr(entry, "actor", None)
    if user is None and getattr(entry, "actor_id", None):
        user = db.session.get(User, entry.actor_id)
    if user is None:
        return entry.actor_name or _("system")
    post = getattr(user, "post", None)
    name = user.full_name or user.username
    return f"{name}, {post}" if post else name


def messages_of(value) -> list[str]:
    """The messages of one field (a list, or nested dicts and lists of them), each once."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            stack[:0] = list(item.values())
        elif isinstance(item, list | tuple):
            stack[:0] = list(item)
        elif item is not None and str(item) not in found:
            found.append(str(item))
    return found


def error_lines(errors: dict | None, message=None, shown=(), labels: dict | None = None,
                ) -> list[str]:
    """The messages of ``errors`` that no field of the form shows under itself, one line
    each: named by the label the user sees (never by a code: a name without a label gives
    the message alone), nested messages flattened, each said once, and none repeating
    ``message`` (the form's general alert)."""
    lines: list[str] = []
    said = {str(message)} if message is not None else set()

    def label_of(name: str) -> str | None:
        label = (labels or {}).get(name, FIELD_LABELS.get(name))
        return str(label) if label is not None else None

    def walk(value, label: str | None) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                inner = label_of(str(key)) or (str(key) if label and str(key).isupper()
                                                else None)
                walk(child, " › ".join(filter(None, (label, inner))) or None)
        elif isinstance(value, list | tuple):
            for child in value:
                walk(child, label)
        elif value is not None:
            text = str(value)
            line = f"{label}: {text}" if label else text
            if text not in said and line not in lines:
                lines.append(line)

    for name, value in (errors or {}).items():
        if name not in shown:
            walk(value, label_of(str(name)))
    return lines
