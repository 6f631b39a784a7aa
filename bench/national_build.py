"""The national dataset of bench/national.py (issue 16), built in bulk on a migrated schema.

``build(app, persons)``, in the app's context, on an empty database the migrations made:

- today's map (``bench.dataset.build_map``): 34 provinces, 3,321 communes and wards directly
  under them, 15–44 villages each (about 98k);
- templates through the real engine, in commune P00C001: one person per state of the
  register (the demo's paths, then ``follow_ups`` months of tests and checks for those under
  management or treatment), areas unassessed / complex / less complex, a draft and a
  submitted commune review of the current QĐ 28 period;
- ``persons`` persons cloned from the person templates in the register's shares, each in a
  random village (the first ones in ward P00C000, the ward police's), every date moved back
  by up to 900 days, with their entries and event rows (``bench.clones``);
- an area record for every commune and village, a review of the period for every commune;
- QĐ 28's facts and hotspots (``bench.dataset.build_facts``);
- a plan of the big province (P00) with targets of every kind of metric;
- the users the pages are read as (``USERS``), password ``PASSWORD``.

Every audit chain is hashed with the app's own function: ``casework audit verify`` passes.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bench.clones import Cloner, days_back, load_template
from bench.dataset import (
    STATES,
    build_facts,
    build_map,
    set_sequences,
    write_entries,
)

BUILD = 1  # the builder's version: a database built by another is built again
PASSWORD = "bench password 1"
WARD, TEMPLATE_COMMUNE, PROVINCE = "P00C000", "P00C001", "P00"
# username → (role, unit code)
USERS = {"bench.ward": ("police", WARD), "bench.province": ("province_authority", PROVINCE)}
SEED_ACTOR = "bench.seed"
CASE_ROLES = ("police", "health", "social_affairs", "commune_chair")
AREA_SHARES = (("unassessed", 2), ("complex", 3), ("less_complex", 5))
REVIEW_SHARES = (("draft", 3), ("submitted", 1))
SPREAD_DAYS = 900
# The follow-up of persons under management or treatment (``follow_ups``): a test (and a
# residence check) a month. With 10 months a person has about 8 audit entries, as the issue
# counted; without, about 5.
NEGATIVE_TEST = ("record_test", "health",
                 lambda d: {"test_date": d, "sample": "urine", "substances": ["heroin"],
                            "result": "negative", "facility": "Trạm Y tế xã"}, None)
RESIDENCE_CHECK = ("check_residence", "police", lambda d: {"check_date": d, "present": True},
                   None)
MONTHLY = {"managed_user": (NEGATIVE_TEST, RESIDENCE_CHECK),
           "post_rehab": (NEGATIVE_TEST, RESIDENCE_CHECK),
           "methadone": (NEGATIVE_TEST,), "rehab_community": (NEGATIVE_TEST,),
           "rehab_facility": (NEGATIVE_TEST,)}
CHUNK = 10_000
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Lò", "Giàng", "Vàng")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Quang", "Ngọc", "Thu", "Hữu", "Công", "A")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong", "Quân",
         "Sơn", "Thắng", "Tuấn", "Hoa", "Lan", "Mai", "Hương", "Thảo", "Yến", "Páo", "Chư")


def villages_of(n: int) -> int:
    """Villages of the n-th commune: 15 to 44, about 29.5 on average (98k in the country)."""
    return 15 + (n * 7919) % 30


def _unit(code: str):
    from casework.extensions import db
    from casework.orgunits.models import OrgUnit

    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def make_users():
    """The seed actor (the templates' author) and the readers of the pages."""
    from casework.auth import services as auth_services

    seed = auth_services.create_user(SEED_ACTOR, PASSWORD, full_name="Cán bộ mẫu")
    for role in CASE_ROLES:
        auth_services.grant_role(seed, role, _unit(TEMPLATE_COMMUNE))
    auth_services.grant_role(seed, "police", _unit("P00C002"))  # the second review template
    for username, (role, code) in USERS.items():
        user = auth_services.create_user(username, PASSWORD, full_name=f"Cán bộ {username}")
        auth_services.grant_role(user, role, _unit(code))
    return seed


def person_templates(seed, now: datetime, follow_ups: int = 0) -> dict[str, int]:
    """One person per state, walked through the engine along the demo's paths, then followed
    up for ``follow_ups`` months (``MONTHLY``); state → id."""
    from casework.demo.persons import PATHS, _walk
    from casework.extensions import db
    from casework.people.identity import fold
    from casework.people.models import Person
    from casework.workflow import open_record

    commune = _unit(TEMPLATE_COMMUNE)
    village = _unit(f"{TEMPLATE_COMMUNE}V00")
    made = {}
    for i, (state, _share) in enumerate(STATES):
        monthly = MONTHLY.get(state, ())
        steps = list(PATHS[state]) + [(monthly[k % len(monthly)], 30 // len(monthly))
                                      for k in range(follow_ups * len(monthly))]
        began = now - timedelta(days=sum(wait for _step, wait in steps) + 5, hours=3)
        name = f"Người Mẫu {i}"
        person = Person(full_name=name, name_folded=fold(name), birth_date=date(1990, 1, 1),
                        gender="male", org_unit=village, residence_type="permanent",
                        resident_since=date(2000, 1, 1), address=f"Dữ liệu thử, {commune.name}")
        try:
            with db.session.begin_nested():
                open_record(person, seed, effective_at=began)
                _walk(person, seed, steps, began)
        except Exception as exc:  # a template the engine refuses: say so, go on without it
            print(f"template {state} refused by the engine: {exc!r}")
            continue
        made[person.state] = person.id
    db.session.commit()
    return made


def area_templates(seed, now: datetime) -> dict[str, int]:
    from casework.areas import services as areas
    from casework.extensions import db

    made = {}
    for v, (state, _share) in enumerate(AREA_SHARES):
        unit = _unit(f"{TEMPLATE_COMMUNE}V{v + 1:02d}")
        area = areas.ensure_area(unit, seed, effective_at=now - timedelta(days=60))
        if state != "unassessed":
            day = (now - timedelta(days=30)).date().isoformat()
            areas.fire_area_event(unit, "classify", seed,
                                  data={"level": state, "assessment_date": day})
        db.session.flush()
        made[area.state] = area.id
    db.session.commit()
    return made


def review_templates(seed, year: int) -> dict[str, int]:
    from casework.extensions import db
    from casework.reviews import services as reviews

    made = {}
    for c, (state, _share) in enumerate(REVIEW_SHARES):
        review = reviews.open_review(_unit(f"P00C{c + 1:03d}"), year, seed)
        if state == "submitted":
            reviews.fire_review_event(review, "submit", seed, data={"note": "Đã rà soát."})
        db.session.flush()
        made[review.state] = review.id
    db.session.commit()
    return made


def _name(rnd: random.Random) -> str:
    return f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"


def _shares(shares, templates: dict[str, int]) -> list[str]:
    return [s for s, n in shares if s in templates for _ in range(n)]


class _Placing:
    """The village of each cloned person: the first 20 in the ward (the map's first commune,
    P00C000), then a random village; with ``quota``, the big province's villages only until it
    holds ``quota`` clones."""

    def __init__(self, tree, rnd: random.Random, quota: int | None):
        self.rnd, self.quota = rnd, quota
        ward, province = tree.communes[0][:2]  # P00C000 and its province, P00
        self.ward = [v for v, c in tree.villages if c == ward]
        self.villages = [v for v, _c in tree.villages]
        communes = {cid for cid, pid, _path in tree.communes if pid == province}
        self.inside = {v for v, c in tree.villages if c in communes}
        self.outside = [v for v in self.villages if v not in self.inside]
        self.placed = 0

    def village(self, i: int) -> int:
        if i < 20:
            village = self.ward[i % len(self.ward)]
        else:
            village = self.villages[self.rnd.randrange(len(self.villages))]
            if self.quota is not None and village in self.inside and self.placed >= self.quota:
                village = self.outside[self.rnd.randrange(len(self.outside))]
        self.placed += village in self.inside
        return village


def build(app, persons: int, seed: int = 16, log=print, shape: dict | None = None,
          follow_ups: int = 0, province_persons: int | None = None) -> dict:
    """The dataset, on a migrated, empty database of ``app`` (in its context). ``shape``:
    ``build_map``'s provinces, communes and big (a smaller map for the tests); ``follow_ups``:
    months of tests and checks after the templates' paths; ``province_persons``: the big
    province (P00) holds this many persons, templates included, and the others the rest (the
    country grows, the province measured does not)."""
    from casework.areas import qd28
    from casework.areas.models import Area
    from casework.db import today_local
    from casework.extensions import db
    from casework.people.identity import fold
    from casework.people.models import Person
    from casework.reviews.models import CommuneReview

    began = time.perf_counter()
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    year = qd28.period_year_of(today_local())
    with db.engine.begin() as conn:
        tree = build_map(conn, villages_of, now, **(shape or {}))
        set_sequences(conn, ("org_units", "org_unit_links"))
    log(f"map: {tree.units:,} units, {len(tree.communes):,} communes, "
        f"{len(tree.villages):,} villages ({time.perf_counter() - began:.0f} s)")
    seed_user = make_users()
    db.session.commit()
    p_templates = person_templates(seed_user, now, follow_ups)
    a_templates = area_templates(seed_user, now)
    r_templates = review_templates(seed_user, year)
    db.session.remove()

    with db.engine.begin() as conn:
        templates = {s: load_template(conn, Person, i) for s, i in p_templates.items()}
        areas = {s: load_template(conn, Area, i) for s, i in a_templates.items()}
        reviews = {s: load_template(conn, CommuneReview, i) for s, i in r_templates.items()}
        cloner = Cloner(conn)
        states = _shares(STATES, templates)
        place = _Placing(tree, rnd, None if province_persons is None
                         else province_persons - len(templates))
        for i in range(persons):
            village = place.village(i)
            name = _name(rnd)
            t = templates[rnd.choice(states)]
            cloner.clone(t, village, days_back(rnd, SPREAD_DAYS), full_name=name,
                         name_folded=fold(name), gender=rnd.choice(("male", "male", "female")),
                         birth_date=date(1965, 1, 1) + timedelta(days=rnd.randrange(14_000)),
                         address=None, external_id=None, national_id=None)
            if (i + 1) % CHUNK == 0:
                cloner.flush()
                if (i + 1) % (CHUNK * 10) == 0:
                    log(f"persons: {i + 1:,} ({time.perf_counter() - began:.0f} s)")
        cloner.flush()
        taken = {t.row["org_unit_id"] for t in [*areas.values()]}
        area_states = _shares(AREA_SHARES, areas)
        units = [c[0] for c in tree.communes] + [v for v, _c in tree.villages]
        for unit_id in units:
            if unit_id not in taken:
                cloner.clone(areas[rnd.choice(area_states)], unit_id, days_back(rnd, 300))
        cloner.flush()
        taken = {t.row["org_unit_id"] for t in reviews.values()}
        review_states = _shares(REVIEW_SHARES, reviews)
        for cid, _pid, _path in tree.communes:
            if cid not in taken:
                cloner.clone(reviews[rnd.choice(review_states)], cid, 0)
        cloner.flush()
        seed_id = conn.execute(sa.text("SELECT id FROM users WHERE username = :u"),
                               {"u": SEED_ACTOR}).scalar()
        first_entry = conn.execute(sa.text("SELECT max(id) FROM audit_entries")).scalar() + 1
        hotspot_entries, facts, hotspots = build_facts(
            conn, rnd, tree.communes, year, first_entry, (seed_id, SEED_ACTOR), now)
        write_entries(conn, hotspot_entries)
        set_sequences(conn, ["persons", "areas", "commune_reviews", "audit_entries",
                             "area_facts", "hotspots", *cloner.written])
    plan_id = make_plan(year)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
        entries = conn.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar()
        n_persons = conn.execute(sa.text("SELECT count(*) FROM persons")).scalar()
    seconds = time.perf_counter() - began
    summary = {"persons": n_persons, "province_persons": province_persons,
               "entries": entries, "units": tree.units,
               "communes": len(tree.communes), "villages": len(tree.villages), "facts": facts,
               "hotspots": hotspots, "templates": sorted(p_templates), "plan": plan_id,
               "year": year, "seconds": round(seconds), "build": BUILD,
               "follow_ups": follow_ups, "written": dict(cloner.written)}
    log(f"built in {seconds:.0f} s: {n_persons:,} persons, {entries:,} audit entries, "
        f"{facts:,} facts, {hotspots:,} hotspots")
    return summary


def make_plan(year: int) -> int:
    """The big province's plan for the year, with a target of every kind of metric."""
    from casework.audit.changes import record_change
    from casework.extensions import db
    from casework.plans.models import Phase, Plan, Target
    from casework.plans.services import plan_values

    province = _unit(PROVINCE)
    communes = ["P00C000", "P00C001", "P00C002"]
    plan = Plan(code=f"P00-{year}", title=f"Kế hoạch phòng, chống ma túy tỉnh 00 năm {year}",
                org_unit=province, start_date=date(year, 1, 1), end_date=date(year, 12, 31),
                six_month_report_due="06-10", annual_report_due="12-10",
                summary="Kế hoạch thử tốc độ ở quy mô toàn quốc.")
    first = Phase(seq=1, name="Giai đoạn 1", start_date=date(year, 1, 1),
                  end_date=date(year, 6, 30), report_due=date(year, 7, 10))
    second = Phase(seq=2, name="Giai đoạn 2", start_date=date(year, 7, 1),
                   end_date=date(year, 12, 31), report_due=date(year + 1, 1, 10))
    plan.phases.extend([first, second])
    not_complex = ["less_complex", "drug_free", "maintained"]
    targets = [
        ("Xã, phường ít phức tạp", "areas_in_state",
         {"states": not_complex, "kinds": ["commune", "ward"]}, PROVINCE, 60, "count", first),
        ("Thôn, bản ít phức tạp", "areas_in_state",
         {"states": not_complex, "kinds": ["village"]}, PROVINCE, 2000, "count", second),
        ("Xã, phường được công nhận", "areas_recognized", {}, PROVINCE, 20, "count", second),
        ("Người sử dụng có hồ sơ quản lý", "users_managed_pct", {}, PROVINCE, 95, "percent",
         first),
        ("Người nghiện có hồ sơ quản lý", "addicts_managed_pct", {}, PROVINCE, 100, "percent",
         second),
        ("Hồ sơ cai nghiện bắt buộc", "compulsory_dossiers_opened", {}, PROVINCE, 300,
         "count", second),
        ("Triệt xóa tụ điểm", "hotspots_eliminated_pct", {}, PROVINCE, 100, "percent", second),
        ("Vụ án được khởi tố", "drug_cases_prosecuted", {}, PROVINCE, 50, "count", second),
        ("Buổi tuyên truyền", "awareness_sessions", {}, PROVINCE, 500, "count", first),
        *((f"Tổ, thôn đạt 08/08 tiêu chí ({c})", "groups_meeting_all_criteria", {}, c, 10,
           "count", second) for c in communes),
    ]
    for seq, (label, metric, params, code, value, kind, phase) in enumerate(targets, 1):
        plan.targets.append(Target(seq=seq, label=label, metric=metric, params=params,
                                   org_unit=_unit(code), value=value, unit=kind, phase=phase,
                                   counted_from=plan.start_date))
    db.session.add(plan)
    record_change(plan, "create", actor=None, role=None, org_unit_id=province.id,
                  after=plan_values(plan))
    plan_id = plan.id
    db.session.commit()
    return plan_id
