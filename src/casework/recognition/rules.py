"""Rules of the recognition request workflow (``workflows/recognition.yaml``)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.recognition.schemas import CRITERIA
from casework.workflow.registry import rule


def _not_met(judgements: dict) -> list[str]:
    return [code for code in CRITERIA if not judgements.get(code, {}).get("met")]


@rule("self_assessed_all_met", _l("every criterion is self-assessed as met"))
def self_assessed_all_met(record, data, context):
    failing = _not_met(data.get("self_assessment") or {})
    if failing:
        return _("A request is submitted only when all 8 criteria are met; not met: "
                 "%(codes)s.", codes=", ".join(failing))
    return True


@rule("verdicts_all_met", _l("the inspection team finds all 8 criteria met"))
def verdicts_all_met(record, data, context):
    failing = _not_met(data.get("verdicts") or {})
    if failing:
        return _("All 8 criteria must be met to pass the inspection; not met: %(codes)s. "
                 "Return the request instead.", codes=", ".join(failing))
    return True
