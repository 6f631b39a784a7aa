"""WORKFLOWS.md §8, the compulsory-rehab dossier: coded grounds that fit the state and the
age (Law Art 32, 33.1), a minor who quits voluntary rehab goes to a dossier compiled under
Art 34, never while on methadone (Decree 116 Art 28.2), and the post-rehab term by the age
on the court decision (Art 33.4, 40)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.errors import CaseworkError
from casework.people.models import Person, RehabEpisode
from casework.workflow.deadlines import add_months, local_date
from tests.people.law import born_years_before
from tests.workflow.paths import DATA, fill

GROUNDS = ("not_registered", "not_started", "quit_voluntary", "used_during_voluntary",
           "methadone_terminated", "relapse_post_rehab")
FIT = {
    "addict": {"not_registered", "not_started"},
    "relapsed": {"not_registered", "not_started", "relapse_post_rehab"},
    "rehab_community": {"quit_voluntary", "used_during_voluntary"},
    "rehab_facility": {"quit_voluntary", "used_during_voluntary"},
    "terminated": {"not_registered", "not_started", "methadone_terminated"},
}


def _reach(reach, state, **columns):
    """The person in ``state``; "terminated": in addict after a terminated methadone."""
    if state == "terminated":
        record, driver = reach("person", "methadone", **columns)
        driver.fire(record, "stop_methadone", "health", "stop_terminated", wait=30)
        assert record.state == "addict"
        return record, driver
    return reach("person", state, **columns)


def _dossier(driver, record, grounds, wait=1, **extra):
    data = {"violation_record_no": "BB-1", "grounds": grounds, **extra}
    return driver.fire(record, "open_compulsory_dossier", "police", data=data, wait=wait)


@pytest.mark.parametrize("grounds", GROUNDS)
@pytest.mark.parametrize("state", list(FIT))
def test_grounds_must_fit_the_state(reach, db, state, grounds):
    record, driver = _reach(reach, state)
    version = record.version
    try:
        _dossier(driver, record, grounds)
    except CaseworkError as exc:
        assert grounds not in FIT[state], exc.message
        assert exc.code == "rule_failed"
        assert grounds not in str(exc.message)  # the user reads a label, never a code
        assert record.state != "compulsory_dossier" and record.version == version
        return
    assert grounds in FIT[state]
    assert record.state == "compulsory_dossier"


def test_grounds_are_codes_with_an_optional_note(reach, db):
    record, driver = reach("person", "addict")
    for grounds in ("Không đăng ký cai nghiện", None):
        with pytest.raises(CaseworkError) as caught:
            _dossier(driver, record, grounds)
        assert caught.value.code == "validation_error" and "grounds" in caught.value.errors
    entry = _dossier(driver, record, "not_started", note="Đăng ký nhưng không đến cơ sở")
    assert entry.data["grounds"] == "not_started"
    assert entry.data["note"] == "Đăng ký nhưng không đến cơ sở"
    assert entry.data["legal_basis"] == "law73_art32"


def test_not_while_on_methadone(reach, actor):
    record, driver = reach("person", "methadone")
    police = driver.user("police")
    from casework.workflow import available_events

    assert "open_compulsory_dossier" not in [o.name for o in available_events(record, police)]
    with pytest.raises(CaseworkError) as caught:
        _dossier(driver, record, "methadone_terminated")
    assert caught.value.code == "invalid_event"


def test_a_dossier_from_rehab_ends_the_rehab_episode(reach, db):
    record, driver = reach("person", "rehab_facility")
    _dossier(driver, record, "used_during_voluntary", wait=40)
    episode = db.session.scalars(sa.select(RehabEpisode).where(
        RehabEpisode.person_id == record.id)).one()
    assert episode.outcome == "terminated" and episode.end_date == local_date(driver.clock)


# --- ages: one day and one year either side of the 18th birthday ----------------------------

# (years on the event's date, days until the birthday): +1 = 18 the day after the event.
AGES = [(18, 1), (18, 0), (18, -1), (17, 0), (19, 0)]
AGE_IDS = ["17_turns_18_next_day", "18_that_day", "18_since_yesterday", "17", "19"]


def _age_on_next_event(record, driver, years, shift):
    """Make the person ``years`` old (birthday ``shift`` days after) on the next event."""
    event_day = local_date(driver.clock + timedelta(days=1))
    # Straight in the table: the record's version counts its audit entries, and a birth date
    # corrected by hand is no event.
    session = sa.inspect(record).session
    session.execute(sa.update(Person.__table__).where(Person.__table__.c.id == record.id)
                    .values(birth_date=born_years_before(event_day, years, shift)))
    session.refresh(record)
    return event_day


def _adult(years, shift):
    return years - (1 if shift > 0 else 0) >= 18


@pytest.mark.parametrize(("years", "shift"), AGES, ids=AGE_IDS)
def test_relapse_after_post_rehab_is_a_ground_for_adults_only(reach, years, shift):
    record, driver = reach("person", "relapsed")
    _age_on_next_event(record, driver, years, shift)
    if _adult(years, shift):
        entry = _dossier(driver, record, "relapse_post_rehab")
        assert entry.data["legal_basis"] == "law73_art32"
        return
    with pytest.raises(CaseworkError) as caught:
        _dossier(driver, record, "relapse_post_rehab")
    assert caught.value.code == "rule_failed"
    assert "Art 32.4" in caught.value.message or "Điều 32" in caught.value.message
    # Other grounds stand for a minor, under Art 34.
    entry = _dossier(driver, record, "not_registered", wait=0)  # the same day
    assert entry.data["legal_basis"] == "law73_art33_34"


@pytest.mark.parametrize(("years", "shift"), AGES, ids=AGE_IDS)
def test_quitting_voluntary_rehab_opens_a_dossier_at_every_age(reach, db, years, shift):
    """Law Art 32.1 (adults) and 33.1.a (ages 12 to 17, compiled under Art 34)."""
    record, driver = reach("person", "rehab_community")
    _age_on_next_event(record, driver, years, shift)
    entry = driver.fire(record, "abandon_rehab", "social_affairs", reason="Bỏ về")
    assert record.state == "compulsory_dossier"
    basis = "law73_art32" if _adult(years, shift) else "law73_art33_34"
    assert entry.data == {"grounds": "quit_voluntary", "legal_basis": basis}
    episode = db.session.scalars(sa.select(RehabEpisode).where(
        RehabEpisode.person_id == record.id)).one()
    assert episode.outcome == "abandoned"


@pytest.mark.parametrize(("years", "shift"), AGES, ids=AGE_IDS)
def test_post_rehab_term_by_the_age_on_the_court_decision(reach, db, years, shift):
    """24 months after an adult's compulsory rehab, 12 after a minor's (Law Art 40; Art 33.4:
    a minor's committal is not an administrative measure): the age on the decision counts,
    although everyone is an adult on release."""
    record, driver = reach("person", "compulsory_dossier")
    decided = _age_on_next_event(record, driver, years, shift)
    data = fill(DATA["court_ordered"], driver.clock + timedelta(days=1)) | {"months": 12}
    driver.fire(record, "record_court_decision", "police", data=data)
    driver.fire(record, "release", "police", "release", wait=400)
    released = local_date(driver.clock)
    assert (released - decided).days >= 365  # an adult on release in every case
    months = 24 if _adult(years, shift) else 12
    assert record.due_date == add_months(released, months)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.record_id == record.id, AuditEntry.record_type == "person")
        .order_by(AuditEntry.seq.desc())).first()
    assert entry.data["post_rehab_months"] == months


def test_codes_of_the_dossier_are_shown_and_its_note_is_personal(reach, app):
    """Derived facts (grounds of an abandonment, legal basis) are computed codes; the note
    is free text, withheld from whoever may not see the person's personal data."""
    from casework.web.redaction import event_data

    record, driver = reach("person", "addict")
    opened = _dossier(driver, record, "not_registered", note="Ông A trốn khỏi địa phương")
    assert event_data(opened, allowed=False) == {"grounds": "not_registered",
                                                 "legal_basis": "law73_art32"}
    assert event_data(opened, allowed=True)["note"] == "Ông A trốn khỏi địa phương"
    other, driver = reach("person", "rehab_community", unit="G12")
    quit_entry = driver.fire(other, "abandon_rehab", "police", reason="Bỏ về")
    assert event_data(quit_entry, allowed=False) == {"grounds": "quit_voluntary",
                                                     "legal_basis": "law73_art32"}
