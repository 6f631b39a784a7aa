"""Rules of the area and hotspot workflows (``workflows/area.yaml``, ``hotspot.yaml``)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.areas.criteria import evaluate_area
from casework.workflow.registry import rule


@rule("level_complex", _l("the area is judged complex"))
def level_complex(record, data, context):
    return data.get("level") == "complex"


@rule("via_recognition_approval",
      _l("the city approves a recognition request for the area"), uses_data=False)
def via_recognition_approval(record, data, context):
    """An area becomes drug-free only when the city approves a recognition request."""
    parent = context.parent
    return (parent is not None and parent.definition.name == "recognition"
            and parent.event == "approve")


@rule("criteria_all_met", _l("all 8 criteria are met now"), uses_data=False)
def criteria_all_met(record, data, context):
    """Judged over the area's whole subtree on the event's date."""
    result = evaluate_area(record.org_unit, context.effective_date)
    if result.all_met:
        return True
    return _("Not every criterion is met on %(date)s: %(codes)s.",
             date=context.effective_date.strftime("%d/%m/%Y"),
             codes=", ".join(c.code for c in result.criteria if not c.met))
