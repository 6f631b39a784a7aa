"""Rules and effects of the person workflow (``workflows/person.yaml``).

Rules get ``(record, data, context)``: ``data`` is the event's validated data (dates are
``date`` objects), ``context`` the engine's ``RuleContext``. They return True, or the reason
they fail in the user's language, and never change anything.

Age rules read the person's ``birth_date`` and use the age on the event's date
(``context.effective_date``), as WORKFLOWS.md requires.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.auth.scope import Scope
from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS, OrgUnit
from casework.people.identity import ADULT_AGE, age_on
from casework.workflow.deadlines import add_months
from casework.workflow.registry import effect, rule


def _age(record, context) -> int:
    return age_on(record.birth_date, context.effective_date)


def _show(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- branching on the event's data ------------------------------------------------------------


@rule("test_positive", _l("the test result is positive"))
def test_positive(record, data, context):
    return data.get("result") == "positive"


@rule("assessed_addicted", _l("the assessment concludes addiction"))
def assessed_addicted(record, data, context):
    return data.get("addicted") is True


@rule("setting_community", _l("the rehab takes place at home or in the community"))
def setting_community(record, data, context):
    return data.get("setting") == "community"


@rule("methadone_completed", _l("the treatment was completed"))
def methadone_completed(record, data, context):
    return data.get("outcome") == "completed"


@rule("court_ordered", _l("the court ordered compulsory rehab"))
def court_ordered(record, data, context):
    return data.get("ordered") is True


# --- checks on the event's data ---------------------------------------------------------------


@rule("guardian_consent_for_minor",
      _l("a minor's sample needs a guardian's consent, except urine"))
def guardian_consent_for_minor(record, data, context):
    """Decree 105/2021 Art 46.4."""
    if data.get("sample") == "urine" or data.get("guardian_consent") is True:
        return True
    if _age(record, context) >= ADULT_AGE:
        return True
    return _("The person is under 18: a sample other than urine needs the consent of a "
             "parent or guardian.")


@rule("assessment_consistent",
      _l("addicted if and only if at least 3 criteria are met"))
def assessment_consistent(record, data, context):
    """Circular 18/2021/TT-BYT: at least 3 criteria means addicted, fewer means not."""
    criteria, addicted = data.get("criteria_met"), data.get("addicted")
    if addicted and criteria < 3:
        return _("An addiction finding needs at least 3 criteria met (%(n)d given).", n=criteria)
    if not addicted and criteria >= 3:
        return _("With %(n)d criteria met the finding must be addiction.", n=criteria)
    return True


@rule("planned_term_6_to_12_months", _l("voluntary rehab is planned for 6 to 12 months"))
def planned_term_6_to_12_months(record, data, context):
    """Law 73/2021 Art 30.2 and 31.1."""
    months = data.get("planned_months")
    if months is None or not 6 <= months <= 12:
        return _("Voluntary rehab lasts from 6 to 12 months.")
    return True


@rule("facility_named_for_facility_setting", _l("rehab at a facility names the facility"))
def facility_named_for_facility_setting(record, data, context):
    if data.get("setting") == "facility" and not (data.get("facility") or "").strip():
        return _("Name the rehab facility.")
    return True


@rule("rehab_served_six_months", _l("rehab lasted at least 6 months"))
def rehab_served_six_months(record, data, context):
    """Law 73/2021 Art 30.2 and 31.1: voluntary rehab lasts at least 6 months."""
    started = context.entering_data.get("start_date")
    if not started:
        return _("The start date of the rehab is not known.")
    earliest = add_months(date.fromisoformat(started), 6)
    if data["completion_date"] < earliest:
        return _("Rehab can be completed on %(date)s at the earliest (6 months after it "
                 "started).", date=_show(earliest))
    return True


@rule("court_term_fits_age", _l("the ordered term fits the person's age"))
def court_term_fits_age(record, data, context):
    """Adults 12–24 months; ages 12–17 6–12 months (Law 73/2021 Art 33.3)."""
    months = data.get("months")
    age = _age(record, context)
    if age < 12:
        return _("Compulsory rehab does not apply under the age of 12.")
    low, high = (12, 24) if age >= ADULT_AGE else (6, 12)
    if months is None or not low <= months <= high:
        return _("For this person the ordered term must be from %(low)d to %(high)d months.",
                 low=low, high=high)
    return True


# --- checks on the record ---------------------------------------------------------------------


@rule("adult_on_event_date", _l("the person is 18 or older"), uses_data=False)
def adult_on_event_date(record, data, context):
    return _age(record, context) >= ADULT_AGE


@rule("ever_completed_rehab", _l("the person once completed rehab or treatment"),
      uses_data=False)
def ever_completed_rehab(record, data, context):
    """Post-rehab management follows every completed rehab or treatment (Law Art 40)."""
    return context.ever_entered("post_rehab")


# --- transfer ---------------------------------------------------------------------------------


def _target_unit(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


@rule("transfer_target_valid",
      _l("the new area is another residential group or village in the actor's area"))
def transfer_target_valid(record, data, context):
    """The user needs scope over both the current and the new area (WORKFLOWS.md)."""
    unit = _target_unit(data.get("to_area_code"))
    if unit is None:
        return _("There is no area with the code %(code)s.", code=data.get("to_area_code"))
    if unit.kind not in LEAF_KINDS:
        return _("A person is managed in a residential group or a village.")
    if unit.id == record.workflow_org_unit().id:
        return _("The person is already managed in this area.")
    roles = context.transition.roles if context.transition else ()
    if not Scope.for_user(context.actor).covers(unit.path, roles):
        return _("The new area is outside your area.")
    return True


@effect("move_to_area", _l("moves the record to the new area"))
def move_to_area(record, data, context):
    record.org_unit = _target_unit(data["to_area_code"])
