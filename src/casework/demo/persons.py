"""Synthetic persons for the demo, in every state of the person workflow.

The names are made up from common Vietnamese family, middle and given names; the records
carry no national ID and say in their address that they are demo data. Each person is
walked through the real workflow (the engine, its rules and its audit log) with back-dated
events, so that histories, deadlines and overdue cases look like a real ward's.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from casework.auth import services as auth_services
from casework.demo.accounts import SEED_USER, ensure_account
from casework.extensions import db
from casework.orgunits.history import ever_in_subtree
from casework.orgunits.models import LEAF_KINDS, OrgUnit
from casework.people.identity import fold
from casework.people.models import Person
from casework.workflow import fire, open_record
from casework.workflow.catalog import get_catalog

DEMO_ROOTS = ("LCH-TP", "LCI-BC")
CASE_ROLES = ("police", "health", "social_affairs", "commune_chair")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Lò", "Lường", "Tòng",
          "Giàng", "Sùng", "Vàng", "Lý", "Đỗ")
MIDDLE_MALE = ("Văn", "Đức", "Minh", "Quang", "A")
MIDDLE_FEMALE = ("Thị", "Thu", "Ngọc", "Thị")
GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong",
              "Quân", "Sơn", "Thắng", "Tuấn", "Páo", "Sử", "Chư")
GIVEN_FEMALE = ("Hoa", "Lan", "Mai", "Hương", "Thảo", "Yến", "Dung", "Pà", "Mỷ")


def _test(result="positive", substances=("heroin",)):
    return lambda d: {"test_date": d, "sample": "urine", "substances": list(substances),
                      "result": result, "facility": "Trạm Y tế phường"}


def _assess(addicted=True):
    return lambda d: {"assessment_date": d, "facility": "Trung tâm Y tế thành phố",
                      "doctor": "BS. Demo", "criteria_met": 4 if addicted else 1,
                      "addicted": addicted}


DECIDE = ("decide_management", "commune_chair",
          lambda d: {"decision_no": "15/QĐ-UBND", "decision_date": d}, None)
TEST_POS = ("record_test", "health", _test(), None)
REQUEST = ("request_assessment", "police", lambda d: {"grounds": "Có biểu hiện nghiện"}, None)
ADDICTED = ("record_assessment", "health", _assess(), None)
METHADONE = ("start_methadone", "health",
             lambda d: {"clinic": "Cơ sở điều trị Methadone thành phố", "start_date": d}, None)
STOP_OK = ("stop_methadone", "health", lambda d: {"stop_date": d, "outcome": "completed"}, None)
TO_ADDICT = [(TEST_POS, 2), (DECIDE, 4), (REQUEST, 10), (ADDICTED, 3)]


def _rehab_months(day: str, law73_months: int) -> int:
    """A first rehab's planned term under the law of ``day``: version 2's
    ``rehab_first_months`` (Law 120/2025, from 2026-07-01), else ``law73_months``."""
    definition = get_catalog().version_on("person", date.fromisoformat(day))
    return definition.param("rehab_first_months", law73_months) if definition else law73_months


def _rehab(setting: str, decision_no: str, law73_months: int, **extra):
    # The police run rehab since 2025-03-01: version 1 lets them (§8), version 2 only them.
    return ("register_voluntary_rehab", "police",
            lambda d: {"setting": setting, "decision_no": decision_no, "start_date": d,
                       "planned_months": _rehab_months(d, law73_months), **extra}, None)


# target state → steps: ((event, role, data(date) or None, reason), days after the previous)
PATHS: dict[str, list] = {
    "suspected": [],
    "cleared": [(("record_test", "health", _test("negative"), None), 3)],
    "positive": [(TEST_POS, 2)],
    "managed_user": [(TEST_POS, 2), (DECIDE, 4),
                     (("check_residence", "police",
                       lambda d: {"check_date": d, "present": True}, None), 25)],
    "assessment": [(TEST_POS, 2), (DECIDE, 4), (REQUEST, 10)],
    "addict": TO_ADDICT,
    "rehab_community": TO_ADDICT + [(_rehab("community", "21/QĐ", 6), 3)],
    "rehab_facility": TO_ADDICT + [(_rehab("facility", "22/QĐ", 12,
                                           facility="Cơ sở cai nghiện ma túy tỉnh"), 3)],
    "methadone": TO_ADDICT + [(METHADONE, 3)],
    # A positive test during voluntary rehab: the police's work list proposes a dossier.
    "rehab_community_used": TO_ADDICT + [
        (_rehab("community", "23/QĐ", 12), 3),
        (("record_test", "health", _test(substances=("methamphetamine",)), None), 40)],
    "compulsory_dossier": TO_ADDICT + [(("open_compulsory_dossier", "police",
                                         lambda d: {"violation_record_no": "BB-05",
                                                    "grounds": "not_registered",
                                                    "note": "Quá 5 ngày làm việc chưa đăng ký"},
                                         None), 8)],
    "compulsory_rehab": TO_ADDICT + [
        (("open_compulsory_dossier", "police",
          lambda d: {"violation_record_no": "BB-06", "grounds": "not_started"}, None), 8),
        (("record_court_decision", "police",
          lambda d: {"court": "Tòa án nhân dân thành phố", "decision_no": "08/QĐ-TA",
                     "decision_date": d, "ordered": True, "months": 18}, None), 20)],
    "post_rehab": TO_ADDICT + [(METHADONE, 3), (STOP_OK, 200)],
    "relapsed": TO_ADDICT + [(METHADONE, 3), (STOP_OK, 200), (TEST_POS, 40), (ADDICTED, 3)],
    "reintegrated": TO_ADDICT + [(METHADONE, 3), (STOP_OK, 200),
                                 (("complete_post_rehab", "commune_chair",
                                   lambda d: {"certificate_no": "GCN-12"}, None), 370)],
    "management_ended": [(TEST_POS, 2), (DECIDE, 4),
                         (("end_management", "commune_chair",
                           lambda d: {"decision_no": "31/QĐ-UBND"}, None), 370)],
    "exited": [(("exit", "police", lambda d: {"exit_reason": "moved_out", "exit_date": d},
                 "Chuyển đến tỉnh khác sinh sống"), 20)],
}

# How many persons in each state, and how long ago their story started (days).
PLAN: list[tuple[str, int, int]] = [
    ("suspected", 6, 8), ("suspected", 3, 40),          # some tests overdue
    ("cleared", 4, 120), ("positive", 3, 4), ("positive", 3, 30),
    ("managed_user", 8, 200), ("assessment", 2, 40), ("assessment", 1, 30),
    ("addict", 2, 60), ("addict", 3, 30), ("rehab_community", 4, 150),
    ("rehab_community_used", 1, 120),
    ("rehab_facility", 3, 400), ("methadone", 6, 500), ("compulsory_dossier", 2, 90),
    ("compulsory_rehab", 2, 300), ("post_rehab", 5, 500), ("relapsed", 2, 700),
    ("reintegrated", 3, 1000), ("management_ended", 3, 600), ("exited", 2, 100),
]


# Persons whose stories cross 2026-07-01, when Law 120/2025 replaced Law 73/2021: their early
# events are judged by version 1 and the later ones by version 2, each entry naming its law.
# (state it ends in, steps, the day the story starts): fixed dates, not "days ago".
TEST_NEG = ("record_test", "health", _test("negative"), None)
CROSSING: list[tuple[str, list, date]] = [
    # Decided under Law 73 (the chair), checked at home under Law 120.
    ("managed_user", [(TEST_POS, 2), (DECIDE, 4),
                      (("check_residence", "police",
                        lambda d: {"check_date": d, "present": True}, None), 30)],
     date(2026, 6, 5)),
    # Assessed as addicted under Law 73; registers for rehab under Law 120 (24 months, police),
    # then the police order electronic monitoring and fit the device.
    ("rehab_community", TO_ADDICT + [
        (_rehab("community", "31/QĐ-CAX", 6), 25),
        (("order_monitoring", "police",
          lambda d: {"decision_no": "02/QĐ-CAX", "decision_date": d, "months": 12}, None), 10),
        (("fit_device", "police", lambda d: {"date": d, "device_id": "GSĐT-0142"}, None), 1)],
     date(2026, 5, 25)),
    # A rehab begun under Law 73 (12 months) keeps its term under Law 120: a negative test in
    # August is judged by Law 120, the planned end stays Law 73's.
    ("rehab_facility", TO_ADDICT + [
        (_rehab("facility", "27/QĐ", 12, facility="Cơ sở cai nghiện ma túy tỉnh"), 3),
        (TEST_NEG, 120)],
     date(2026, 3, 20)),
    # Methadone from Law 73's time, stopped under Law 120: post-rehab management by Law 120.
    ("post_rehab", TO_ADDICT + [(METHADONE, 3), (STOP_OK, 180)], date(2026, 1, 10)),
]


def _seed_user():
    user = ensure_account(SEED_USER, active=False)  # it records the demo history
    for unit in demo_roots():
        for role in CASE_ROLES:
            auth_services.grant_role(user, role, unit)
    return user


def demo_roots() -> list[OrgUnit]:
    """The demo's two cities' units: everything the demo writes lies under them."""
    return list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(DEMO_ROOTS))
                                   .order_by(OrgUnit.code)))


def demo_units_clause():
    """A condition on ``OrgUnit``: the unit lies, or lay, under one of the demo's cities
    (their villages sit under today's wards since 2025-07-01)."""
    return sa.or_(*(ever_in_subtree(OrgUnit.id, root) for root in demo_roots()))


def _name(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice(("male", "male", "male", "female"))
    if gender == "male":
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    else:
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
    return name, gender


def load_demo_persons(seed: int = 2024) -> int:
    """Create the demo persons once (idempotent by external ID); returns how many were made."""
    if db.session.scalar(sa.select(Person.id).where(Person.external_id.like("demo-%")).limit(1)):
        return 0
    rng = random.Random(seed)
    actor = _seed_user()
    # Only the demo's own groups and villages: the database may hold other units.
    groups = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.kind.in_(LEAF_KINDS), demo_units_clause())
        .order_by(OrgUnit.code)
    ).all()
    # The demo officers work in Đoàn Kết: give them a good share of the cases.
    home = [g for g in groups if g.code.startswith("LCH-DK-")]
    now = datetime.now(UTC)
    made = 0
    for state, count, started_days_ago in PLAN:
        for _ in range(count):
            made += 1
            name, gender = _name(rng)
            age = rng.randint(19, 48) if state not in ("suspected", "positive") else rng.randint(
                16, 45)
            start = now - timedelta(days=started_days_ago + rng.randint(0, 5),
                                    hours=rng.randint(1, 9))
            birth = (start.date() - timedelta(days=365 * age + rng.randint(0, 300)))
            unit = rng.choice(home if rng.random() < 0.4 else groups)
            person = Person(full_name=name, name_folded=fold(name), birth_date=birth,
                            gender=gender, org_unit=unit, external_id=f"demo-{made:04d}",
                            residence_type="permanent",
                            resident_since=birth if rng.random() < 0.7 else start.date(),
                            address=f"Dữ liệu demo, {unit.name}")
            open_record(person, actor, effective_at=start)
            _walk(person, actor, PATHS[state], start)
    for state, steps, day in CROSSING:
        made += 1
        name, gender = _name(rng)
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        birth = day - timedelta(days=365 * rng.randint(22, 45))
        unit = rng.choice(home)
        person = Person(full_name=name, name_folded=fold(name), birth_date=birth, gender=gender,
                        org_unit=unit, external_id=f"demo-{made:04d}",
                        residence_type="permanent", resident_since=birth,
                        address=f"Dữ liệu demo, {unit.name}")
        open_record(person, actor, effective_at=start)
        _walk(person, actor, steps, start)
        if person.state != state:  # the law changed under the demo: say where
            raise RuntimeError(f"demo person {person.external_id}: {person.state}, not {state}")
    db.session.commit()
    return made


def _walk(person: Person, actor, steps, start: datetime) -> None:
    clock = start
    for (event, _role, make_data, reason), wait in steps:
        clock = clock + timedelta(days=wait)
        day: date = clock.date()
        data = make_data(day.isoformat()) if make_data else None
        fire(person, event, actor, data=data, reason=reason, effective_at=clock)
