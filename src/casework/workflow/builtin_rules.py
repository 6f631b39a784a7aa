"""Rules any workflow may use: they read only what the engine itself keeps."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.workflow.registry import rule


@rule("state_term_elapsed", _l("the term of the current state has run"), uses_data=False)
def state_term_elapsed(record, data, context):
    """The current state's deadline (its term) has been reached on the event's date."""
    if record.due_date is None:
        return _("The current state has no term that could have run.")
    if context.effective_date < record.due_date:
        return _("The term runs until %(date)s.", date=record.due_date.strftime("%d/%m/%Y"))
    return True
