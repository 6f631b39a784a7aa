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
from casework.orgunits.services import remote_on
from casework.people.identity import ADULT_AGE, age_on, fold
from casework.people.models import (
    Assessment,
    CourtDecision,
    DrugTest,
    ManagementDecision,
    PostRehabTerm,
    RehabEpisode,
    ResidenceCheck,
)
from casework.people.services import duplicate_person, open_holder
from casework.workflow.deadlines import add_months, today_local
from casework.workflow.registry import effect, rule


def age_at_event(record, context) -> int:
    """The person's age in whole years on the event's date."""
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
    if age_at_event(record, context) >= ADULT_AGE:
        return True
    return _("The person is under 18: a sample other than urine needs the consent of a "
             "parent or guardian.")


@rule("test_date_plausible", _l("the test date lies between the birth date and today"))
def test_date_plausible(record, data, context):
    """A sample cannot be taken before the person was born, nor in the future."""
    tested = data.get("test_date")
    if tested is None:
        return True
    if tested < record.birth_date:
        return _("The test date (%(test)s) is before the birth date (%(birth)s).",
                 test=_show(tested), birth=_show(record.birth_date))
    if tested > today_local():
        return _("The test date may not be in the future.")
    return True


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


def law_term(context, name: str):
    """The law's term ``name`` (`parameters:` of the version judging the event)."""
    value = context.definition.param(name)
    if value is None:
        raise LookupError(f"{context.definition.name} v{context.definition.version} "
                          f"has no param {name!r}")
    return value


@rule("planned_term_6_to_12_months", _l("voluntary rehab is planned for 6 to 12 months"))
def planned_term_6_to_12_months(record, data, context):
    """Law 73/2021 Art 30.2 and 31.1 (parameters.rehab_planned_months)."""
    months = data.get("planned_months")
    low, high = law_term(context, "rehab_planned_months")
    if months is None or not low <= months <= high:
        return _("Voluntary rehab lasts from %(low)d to %(high)d months.", low=low, high=high)
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
    """Adults 12–24 months; ages 12–17 6–12 months (Law 73/2021 Art 33.3): parameters."""
    months = data.get("months")
    age = age_at_event(record, context)
    if age < 12:
        return _("Compulsory rehab does not apply under the age of 12.")
    low, high = law_term(context, "court_months_adult" if age >= ADULT_AGE
                     else "court_months_minor")
    if months is None or not low <= months <= high:
        return _("For this person the ordered term must be from %(low)d to %(high)d months.",
                 low=low, high=high)
    return True


# --- checks on the record ---------------------------------------------------------------------


@rule("ever_completed_rehab", _l("the person once completed rehab or treatment"),
      uses_data=False)
def ever_completed_rehab(record, data, context):
    """Post-rehab management follows every completed rehab or treatment (Law Art 40)."""
    return context.ever_entered("post_rehab")


@rule("national_id_not_open_elsewhere",
      _l("no other open record holds the person's national ID"), uses_data=False)
def national_id_not_open_elsewhere(record, data, context):
    """A national ID belongs to one person: reopening is refused while another record with
    the same ID is open. Outside the actor's scope the other record is not named."""
    if not record.national_id:
        return True
    holder = open_holder(record.national_id, exclude_id=record.id)
    if holder is None:
        return True
    return str(duplicate_person(holder, Scope.for_user(context.actor)).message)


# --- the management decision after a "not addicted" assessment ------------------------------


@rule("new_decision_due",
      _l("a new management decision is due after a “not addicted” assessment"),
      uses_data=False)
def new_decision_due(record, data, context):
    """Decree 105/2021 Art 43.2 (WORKFLOWS.md §8): a "not addicted" assessment sends the
    person back to managed_user, awaiting a NEW decision. That decision enters the state again,
    so the rule holds exactly until it is made."""
    entry = context.entering_entry
    if record.state == "managed_user" and entry is not None and (
            entry.event == "record_assessment"):
        return True
    return _("The person already has a management decision; a new one follows only a "
             "“not addicted” assessment.")


# --- the remote commune -------------------------------------------------------------------------


@effect("note_remote_commune",
        _l("records whether the person's commune was flagged remote on the test date"),
        derives=("remote_commune",))
def note_remote_commune(record, data, context):
    """Decree 105/2021 Art 41.1: 10 working days instead of 3 to verify the residence in
    remote or mountainous areas. The flag of the commune holding the person's village on the
    test date joins the event's data; the deadline of `positive` reads it."""
    day = data.get("test_date") or context.effective_date
    context.derived["remote_commune"] = remote_on(record.workflow_org_unit(), day)


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
    if not Scope.for_user(context.actor).may_write(unit.path, roles, context.effective_date):
        return _("The new area is outside your area.")
    return True


@effect("move_to_area", _l("moves the record to the new area"))
def move_to_area(record, data, context):
    record.org_unit = _target_unit(data["to_area_code"])


# --- effects: the rows each event leaves behind -------------------------------------------------
#
# Each effect builds its row now and adds it once the audit entry exists (context.after_log),
# so every row points at the entry that logged its event. Everything runs in the caller's
# transaction: a failure later in the event rolls the rows back with the state.

# Opioids, as folded names: a positive result for anything else during substitution
# treatment breaks the clinic's rules (criterion C4; Decree 90/2016 Art 21).
OPIOIDS = frozenset({
    "heroin", "morphine", "morphin", "opium", "thuoc phien", "methadone", "buprenorphine",
    "codeine", "fentanyl", "opioid", "opiate", "opiates",
})


def _is_opioid(substance: str) -> bool:
    return fold(substance) in OPIOIDS


def _add_after_log(context, make_row) -> None:
    def add(entry):
        row = make_row()
        row.person_id = context.record.id
        row.audit_entry = entry
        row.org_unit_id = entry.org_unit_id
        db.session.add(row)

    context.after_log.append(add)


def _open_episode(person_id: int, kind: tuple[str, ...]) -> RehabEpisode | None:
    return db.session.scalar(
        sa.select(RehabEpisode)
        .where(RehabEpisode.person_id == person_id, RehabEpisode.kind.in_(kind),
               RehabEpisode.end_date.is_(None))
        .order_by(RehabEpisode.id.desc())
    )


@effect("record_drug_test", _l("records the drug test"))
def record_drug_test(record, data, context):
    positive = data["result"] == "positive"
    substances = list(data.get("substances") or [])
    _add_after_log(context, lambda: DrugTest(
        test_date=data["test_date"], sample=data["sample"], substances=substances,
        result=data["result"], facility=data["facility"],
        guardian_consent=data.get("guardian_consent"),
        non_opioid_positive=positive and any(not _is_opioid(s) for s in substances),
    ))


@effect("record_management_decision", _l("records the management decision and its term"))
def record_management_decision(record, data, context):
    """Law 73/2021 Art 23.2: management lasts one year from the decision. The term is fixed
    on the decision under the law of its day (parameters.management_term_months)."""
    months = law_term(context, "management_term_months")
    _add_after_log(context, lambda: ManagementDecision(
        decision_no=data["decision_no"], decision_date=data["decision_date"],
        term_end=add_months(data["decision_date"], months),
    ))


@effect("record_residence_check", _l("records the residence check"))
def record_residence_check(record, data, context):
    _add_after_log(context, lambda: ResidenceCheck(
        check_date=data["check_date"], present=data["present"], note=data.get("note"),
    ))


@effect("record_assessment_result", _l("records the addiction assessment"))
def record_assessment_result(record, data, context):
    _add_after_log(context, lambda: Assessment(
        assessment_date=data["assessment_date"], facility=data["facility"],
        doctor=data["doctor"], criteria_met=data["criteria_met"], addicted=data["addicted"],
    ))


@effect("start_voluntary_rehab", _l("opens the voluntary rehab episode"))
def start_voluntary_rehab(record, data, context):
    """The episode keeps its terms, fixed under the law of its start (WORKFLOWS.md §7): the
    least it lasts is parameters.rehab_min_months where the version has one (Law 73: 6 months),
    else its planned term (Law 120: complete at the planned end)."""
    planned = data["planned_months"]
    least = context.definition.param("rehab_min_months", planned)
    _add_after_log(context, lambda: RehabEpisode(
        kind=data["setting"], decision_no=data["decision_no"], facility=data.get("facility"),
        start_date=data["start_date"], planned_months=planned,
        planned_end=add_months(data["start_date"], planned), min_months=least,
    ))


@effect("start_methadone_episode", _l("opens the substitution treatment episode"))
def start_methadone_episode(record, data, context):
    _add_after_log(context, lambda: RehabEpisode(
        kind="methadone", facility=data["clinic"], start_date=data["start_date"],
    ))


def close_episode(record, kinds, end: date, outcome: str, certificate_no=None) -> None:
    """End the person's open episode of one of ``kinds`` (if any) with ``outcome``."""
    episode = _open_episode(record.id, kinds)
    if episode is not None:
        episode.end_date = end
        episode.outcome = outcome
        episode.certificate_no = certificate_no


def _start_post_rehab(context, start: date, months: int) -> None:
    # The term's length joins the event's data: the deadline reads it, the audit keeps it.
    context.derived["post_rehab_months"] = months
    _add_after_log(context, lambda: PostRehabTerm(
        start_date=start, months=months, end_date=add_months(start, months),
    ))


@effect("finish_voluntary_rehab", _l("closes the rehab episode and starts post-rehab"),
        derives=("post_rehab_months",))
def finish_voluntary_rehab(record, data, context):
    """Law 73/2021 Art 40.1: one year of post-rehab management after voluntary rehab."""
    close_episode(record, ("community", "facility"), data["completion_date"], "completed",
                   data["certificate_no"])
    _start_post_rehab(context, data["completion_date"], law_term(context, "post_rehab_months"))


@effect("stop_methadone_episode", _l("closes the substitution treatment episode"),
        derives=("post_rehab_months",))
def stop_methadone_episode(record, data, context):
    """Law 73/2021 Art 40.1: completed substitution treatment is followed for one year."""
    outcome = data["outcome"]
    close_episode(record, ("methadone",), data["stop_date"], outcome)
    if outcome == "completed":
        _start_post_rehab(context, data["stop_date"], law_term(context, "post_rehab_months"))


@effect("record_court_result", _l("records the court decision and any compulsory rehab"))
def record_court_result(record, data, context):
    _add_after_log(context, lambda: CourtDecision(
        court=data["court"], decision_no=data["decision_no"],
        decision_date=data["decision_date"], ordered=data["ordered"], months=data.get("months"),
    ))
    if data["ordered"]:
        _add_after_log(context, lambda: RehabEpisode(
            kind="compulsory", decision_no=data["decision_no"], start_date=data["decision_date"],
            planned_months=data["months"],
            planned_end=add_months(data["decision_date"], data["months"]),
        ))


@effect("release_from_compulsory", _l("closes compulsory rehab and starts post-rehab"),
        derives=("post_rehab_months",))
def release_from_compulsory(record, data, context):
    """Law 73/2021 Art 40: two years after an adult's compulsory rehab, one after a minor's.

    The two regimes differ by the decision: an administrative measure for adults (Art 40.2),
    a decision for ages 12 to 17 (Art 40.1). So the age that counts is the age on the day the
    court decided, not on release.
    """
    episode = _open_episode(record.id, ("compulsory",))
    decided_on = episode.start_date if episode is not None else data["release_date"]
    adult = age_on(record.birth_date, decided_on) >= ADULT_AGE
    months = law_term(context, "post_rehab_months_compulsory_adult" if adult
                  else "post_rehab_months_compulsory_minor")
    close_episode(record, ("compulsory",), data["release_date"], "released",
                   data["certificate_no"])
    _start_post_rehab(context, data["release_date"], months)


@effect("complete_post_rehab_term", _l("closes the post-rehab term"))
def complete_post_rehab_term(record, data, context):
    term = db.session.scalar(
        sa.select(PostRehabTerm)
        .where(PostRehabTerm.person_id == record.id, PostRehabTerm.completed_on.is_(None))
        .order_by(PostRehabTerm.id.desc())
    )
    if term is not None:
        term.completed_on = context.effective_date
        term.certificate_no = data["certificate_no"]
