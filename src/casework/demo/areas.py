"""Demo areas: the Lai Châu picture of the city plan, and Bắc Cường's 2024 campaign.

- Every unit of the two cities gets its area record (opened by the demo administrator) and a
  classification; the 7 villages of San Thàng are complex.
- About 17 of Lai Châu's 72 residential groups and villages meet all 8 criteria: groups
  without overdue persons, with a full household tally, the hotline board and the ward's
  prevention model. The others miss a tally, have a partial one, a hotspot or an incident.
- Recognition requests sit at every step of the chain, so that each approver has something
  in the inbox; one recognised group of Đoàn Kết has a new retail seller, so the ward police
  see a "drug problems returned" proposal in their work list.
- Bắc Cường: hotspots and retail points found and eliminated in phase 1, awareness sessions
  and twice-daily loudspeaker broadcasts through the campaign.

Everything goes through the services and the workflow engine with back-dated events.
Loading is idempotent: nothing happens when area records exist already.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from casework.areas import services as areas
from casework.areas.models import Area
from casework.auth.scope import Scope
from casework.demo.accounts import SEED_USER, demo_user
from casework.demo.persons import demo_units_clause
from casework.errors import CaseworkError
from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS, OrgUnit, subtree_clause
from casework.people.models import Person
from casework.recognition import services as recognition
from casework.workflow import fire
from casework.workflow.deadlines import LOCAL_TZ

log = logging.getLogger(__name__)

HOW_MANY_MEET_ALL = 17
WARDS_IN_TURN = ("LCH-QT", "LCH-QTI", "LCH-TPH", "LCH-DP", "LCH-NL")
COMPLEX_LEAVES = ("LCH-NL-B03", "LCH-DP-T02")
UNASSESSED_LEAVES = ("LCH-NL-B05", "LCH-NL-B06")
MODELS = {
    "LCH-DK": "Mô hình “Tổ dân phố tự quản về an ninh trật tự”",
    "LCH-QT": "Câu lạc bộ “Thanh niên với phòng, chống ma túy”",
    "LCH-QTI": "Mô hình “Camera an ninh khu dân cư”",
    "LCH-TPH": "Mô hình “Gia đình không có người nghiện ma túy”",
    "LCH-DP": "Tổ an ninh xung kích phòng, chống ma túy",
    "LCH-NL": "Mô hình “Bản văn hóa, không có ma túy”",
    "LCI-BC": "Câu lạc bộ phòng, chống ma túy phường Bắc Cường",
}


def at(day: date, hour: int = 9) -> datetime:
    """A moment of a day in Vietnam."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def _user(name: str):
    return demo_user(name)


def _subtree(code: str) -> list[OrgUnit]:
    root = _unit(code)
    return list(db.session.scalars(sa.select(OrgUnit).where(
        subtree_clause(OrgUnit.path, root.path)).order_by(OrgUnit.path)))


def _fact(unit: OrgUnit, actor, **payload):
    return areas.record_fact(unit, actor, payload, Scope.for_user(actor),
                             effective_at=at(_as_date(payload.get("found_date")))
                             if payload.get("kind") == "hotspot" else None)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def load_demo_areas() -> int:
    """Load the areas, facts and requests once; returns how many area records were opened.
    Area records of other units (the database may hold others) do not count."""
    if _unit("LCH-TP") is not None and db.session.scalar(
            sa.select(Area.id).join(OrgUnit, OrgUnit.id == Area.org_unit_id)
            .where(demo_units_clause()).limit(1)) is not None:
        return 0
    if _unit("LCH-TP") is None or _user(SEED_USER) is None:
        return 0
    opened = _open_and_classify()
    all_met, breach = _choose_groups()
    _lai_chau_facts(all_met, breach)
    _requests(all_met, breach)
    _bac_cuong()
    db.session.commit()
    return opened


# --- records and classification ---------------------------------------------------------------


def _police_for(unit: OrgUnit):
    """The ward police of the demo, or the account that records the demo's history."""
    if unit.code.startswith("LCH-DK"):
        return _user("police")
    if unit.code.startswith("LCI-BC"):
        return _user("police.bc")
    return _user(SEED_USER)


def _recorder_for(unit: OrgUnit):
    """Who records a fact: the ward police, or the city's inspection team elsewhere."""
    if unit.code.startswith(("LCH-DK", "LCI-BC")):
        return _police_for(unit)
    return _user("inspector")


def _open_and_classify() -> int:
    admin = _user("admin")
    inspector = _user("inspector")
    opened = 0
    for code, opened_on in (("LCH-TP", date(2024, 3, 1)), ("LCI-BC", date(2024, 8, 1))):
        units = _subtree(code)
        opened += areas.ensure_areas(units, admin, effective_at=at(opened_on, 8))
        for unit in units:
            if unit.code in UNASSESSED_LEAVES:
                continue
            level = "complex" if (unit.code.startswith("LCH-ST") or
                                  unit.code in COMPLEX_LEAVES) else "less_complex"
            actor = (inspector if unit.kind not in LEAF_KINDS and code == "LCH-TP"
                     else _police_for(unit))
            day = opened_on + timedelta(days=14)
            data = {"level": level, "assessment_date": day.isoformat()}
            if level == "complex":
                data["complexity_type"] = "II"
            areas.fire_area_event(unit, "classify", actor, data=data, effective_at=at(day, 10))
    return opened


def _choose_groups() -> tuple[list[OrgUnit], OrgUnit | None]:
    """Groups that will meet 8/8 (no person record there), and the Đoàn Kết group to breach."""
    with_persons = set(db.session.scalars(sa.select(Person.org_unit_id).distinct()))
    leaves = [u for u in _subtree("LCH-TP") if u.kind in LEAF_KINDS]
    free = [u for u in leaves if u.id not in with_persons and not u.code.startswith("LCH-ST")
            and u.code not in COMPLEX_LEAVES + UNASSESSED_LEAVES]
    doan_ket = [u for u in free if u.code.startswith("LCH-DK")]
    breach = doan_ket[0] if doan_ket else None
    chosen = doan_ket[1:2]
    by_ward = {w: [u for u in free if u.code.startswith(w + "-")] for w in WARDS_IN_TURN}
    while len(chosen) < HOW_MANY_MEET_ALL and any(by_ward.values()):
        for ward in WARDS_IN_TURN:
            if by_ward[ward] and len(chosen) < HOW_MANY_MEET_ALL:
                chosen.append(by_ward[ward].pop(0))
    return chosen, breach


# --- Lai Châu facts ---------------------------------------------------------------------------


def _lai_chau_facts(all_met: list[OrgUnit], breach: OrgUnit | None) -> None:
    recorder = _user("inspector")
    for ward_code, name in MODELS.items():
        if ward_code.startswith("LCH"):
            ward = _unit(ward_code)
            _fact(ward, _recorder_for(ward), kind="prevention_model", name=name,
                  decision_no="35/QĐ-UBND", started_on="2023-06-01")
    good = {u.id for u in all_met} | ({breach.id} if breach else set())
    leaves = [u for u in _subtree("LCH-TP") if u.kind in LEAF_KINDS]
    for i, unit in enumerate(leaves):
        police = _recorder_for(unit)
        households = 90 + (i * 37) % 160
        if unit.id in good:
            _fact(unit, police, kind="household_tally", households_total=households,
                  households_signed=households, as_of="2025-01-10")
            _fact(unit, police, kind="hotline_board", present=True, verified_on="2025-01-15")
            continue
        if i % 3 == 0:
            continue  # no tally yet: the inspectors would have to attest it
        _fact(unit, police, kind="household_tally", households_total=households,
              households_signed=households - 1 - i % 9, as_of="2025-02-20")
        _fact(unit, police, kind="hotline_board", present=i % 4 != 1,
              verified_on="2025-02-20")
    # San Thàng: the key drug area of the plan.
    st = {u.code: u for u in _subtree("LCH-ST")}
    for code, name, state in (("LCH-ST-B01", "Lán nương bỏ hoang đầu bản", "watched"),
                              ("LCH-ST-B04", "Khu vực bờ suối Nậm Sì Lường", "detected")):
        if code in st:
            spot = _fact(st[code], recorder, kind="hotspot", name=name,
                         found_date="2025-03-02")
            if state == "watched":
                fire(spot, "watch", _police_for(st[code]), effective_at=at(date(2025, 3, 5)))
    if "LCH-ST-B02" in st:
        _fact(st["LCH-ST-B02"], recorder, kind="dealer",
              description="Đối tượng bán lẻ ma túy tại nhà", found_date="2025-04-11")
    if "LCH-ST-B05" in st:
        _fact(st["LCH-ST-B05"], recorder, kind="offender",
              description="Đối tượng từng chấp hành án về tội tàng trữ", found_date="2025-02-01",
              resident_since="2024-06-01")
    if _unit("LCH-NL-B03") is not None:
        _fact(_unit("LCH-NL-B03"), recorder, kind="drug_plants",
              description="Trồng cây thuốc phiện xen ngô", plant_count=120, plant_area_m2=300,
              found_date="2025-02-14")
    if _unit("LCH-DP-T08") is not None:
        _fact(_unit("LCH-DP-T08"), recorder, kind="ring",
              description="Nhóm mua bán nhỏ lẻ liên phường", found_date="2025-05-03")


# --- recognition requests ---------------------------------------------------------------------


# Approvals that fall on the map of 2025: the commune chairs of today's wards give them once
# that map is recorded (``approve_on_2025_map``), since §11 makes them the approvers.
_AFTER_MERGER: list[tuple[int, datetime]] = []
# The demo's chair account of each ward of today's map.
CHAIRS = {"LCH-P-DK": "chair", "LCH-P-TPH": "chair.tp"}


def _chain(request, steps, start: datetime) -> None:
    """Fire the steps of a request: (event, username, data or None, reason, days after)."""
    clock = start
    for event, username, data, reason, wait in steps:
        clock = clock + timedelta(days=wait)
        if clock > datetime.now(UTC):
            clock = datetime.now(UTC) - timedelta(minutes=5)
        day = clock.astimezone(LOCAL_TZ).date()
        if event == "approve" and recognition.approver_of(request.org_unit, day).role != (
                "city_authority"):
            _AFTER_MERGER.append((request.id, clock))
            return
        fire(request, event, _user(username), data=data(day) if data else None,
             reason=reason, effective_at=clock)


def approve_on_2025_map() -> int:
    """Approve the requests whose approval fell after 2025-07-01, by the chair of the
    group's ward on that day; returns how many."""
    from casework.orgunits.history import commune_of
    from casework.recognition.models import RecognitionRequest

    done = 0
    while _AFTER_MERGER:
        request_id, clock = _AFTER_MERGER.pop(0)
        request = db.session.get(RecognitionRequest, request_id)
        day = clock.astimezone(LOCAL_TZ).date()
        ward = commune_of(request.org_unit, day)
        chair = CHAIRS.get(ward.code) if ward is not None else None
        if chair is None:
            continue
        try:
            with db.session.begin_nested():
                fire(request, "approve", _user(chair), data=APPROVE[2](day), effective_at=clock)
            done += 1
        except CaseworkError as exc:
            log.warning("demo request %s not approved: %s", request_id, exc)
    return done


def _met(note: str | None = None) -> dict:
    return {f"C{i}": {"met": True, "note": note} for i in range(1, 9)}


SUBMIT = ("submit", None, lambda d: {"self_assessment": _met("Đạt theo kết quả rà soát")}, None)
EVALUATE = ("evaluate", "inspector", lambda d: {
    "inspection_date": d.isoformat(), "minutes_no": f"BB-KT/{d.strftime('%m%y')}",
    "verdicts": _met()}, None)
ENDORSE = ("endorse", "steering", lambda d: {"meeting_date": d.isoformat()}, None)
APPROVE = ("approve", "city", lambda d: {"decision_no": f"{d.day + 100}/QĐ-UBND",
                                         "decision_date": d.isoformat()}, None)


def _story(unit: OrgUnit, steps: list, start: datetime) -> None:
    police = _police_for(unit)
    try:
        with db.session.begin_nested():
            request = recognition.open_request(unit, police, effective_at=start)
            resolved = [(e, u or police.username, d, r, w) for (e, u, d, r), w in steps]
            _chain(request, resolved, start)
    except CaseworkError as exc:  # the data of this group do not allow it: leave it out
        log.warning("demo request for %s left out: %s", unit.code, exc)


def _requests(all_met: list[OrgUnit], breach: OrgUnit | None) -> None:
    today = _today()
    recent = at(today - timedelta(days=25))
    stories = [
        ([], recent),  # a draft in Đoàn Kết: the ward police's own work
        ([(SUBMIT, 3), (EVALUATE, 12), (ENDORSE, 9), (APPROVE, 14)], at(date(2025, 3, 3))),
        ([(SUBMIT, 2), (EVALUATE, 10), (ENDORSE, 7), (APPROVE, 10)], at(date(2025, 8, 18))),
        ([(SUBMIT, 2), (EVALUATE, 6), (ENDORSE, 5)], recent),     # waits for the approver
        ([(SUBMIT, 3), (EVALUATE, 8)], recent),                   # waits for the committee
        ([(SUBMIT, 10)], recent),                                 # waits for inspection
        ([(SUBMIT, 14)], recent),
        ([(SUBMIT, 4), (("return", "inspector", None, "Bổ sung biên bản họp dân và ảnh bảng "
                         "đường dây nóng"), 6)], recent),
        ([(SUBMIT, 2), (EVALUATE, 9), (("reject", "steering", None,
                                       "Chưa đủ thời gian duy trì kết quả"), 6)],
         at(date(2025, 6, 2))),
        ([(("withdraw", None, None, "Lập lại hồ sơ sau khi rà soát hộ gia đình"), 5)],
         at(date(2025, 5, 12))),
    ]
    for unit, (steps, start) in zip(all_met, stories, strict=False):
        _story(unit, steps, start)
    if len(all_met) > 1:
        _confirm_maintained(all_met[1])
    if breach is not None:
        _story(breach, [(SUBMIT, 2), (EVALUATE, 8), (ENDORSE, 6), (APPROVE, 9)],
               at(date(2025, 5, 5)))
        # A retail seller found this week breaks C1 of the recognised group.
        _fact(breach, _user("police"), kind="dealer",
              description="Phát hiện đối tượng bán lẻ ma túy tại quán nước",
              found_date=(_today() - timedelta(days=3)).isoformat())


def _confirm_maintained(unit: OrgUnit) -> None:
    area = areas.area_of(unit)
    if area is None or area.state != "drug_free":
        return
    try:
        with db.session.begin_nested():
            fire(area, "confirm_maintained", _user("steering"),
                 data={"review_date": (_today() - timedelta(days=10)).isoformat()},
                 effective_at=at(_today() - timedelta(days=10)))
    except CaseworkError as exc:
        log.warning("demo area %s not confirmed as maintained: %s", unit.code, exc)


# --- Bắc Cường ------------------------------------------------------------------------------


def _bac_cuong() -> None:
    police = _user("police.bc")
    ward = _unit("LCI-BC")
    if ward is None or police is None:
        return
    groups = [u for u in _subtree("LCI-BC") if u.kind in LEAF_KINDS]
    _fact(ward, police, kind="prevention_model", name=MODELS["LCI-BC"],
          decision_no="112/QĐ-UBND", started_on="2024-09-15")
    spots = [("Khu nhà trọ ven đường Hoàng Quốc Việt", 2, date(2024, 8, 26), date(2024, 10, 12)),
             ("Bãi đất trống sau chợ", 6, date(2024, 9, 3), date(2024, 10, 20)),
             ("Quán nước đầu ngõ 45", 10, date(2024, 9, 9), date(2024, 10, 28))]
    for name, index, found, eliminated in spots:
        if index >= len(groups):
            continue
        spot = _fact(groups[index], police, kind="hotspot", name=name,
                     found_date=found.isoformat())
        fire(spot, "watch", police, effective_at=at(found + timedelta(days=2)))
        fire(spot, "eliminate", police, data={"eliminated_date": eliminated.isoformat()},
             effective_at=at(eliminated))
    for index, (found, resolved) in enumerate(((date(2024, 9, 4), date(2024, 10, 9)),
                                               (date(2024, 9, 17), date(2024, 10, 30)))):
        _fact(groups[(index * 5 + 1) % len(groups)], police, kind="dealer",
              description="Điểm bán lẻ ma túy", found_date=found.isoformat(),
              resolved_date=resolved.isoformat())
    # The plan's target "1 drug case prosecuted" (WORKFLOWS.md §10), in its second phase.
    _fact(ward, police, kind="drug_case", found_date="2024-10-28", case_kind="trafficking",
          suspects=2, prosecuted_on="2024-11-20", case_no="21/2024/HS")
    for i, group in enumerate(groups):
        households = 120 + (i * 29) % 140
        _fact(group, police, kind="household_tally", households_total=households,
              households_signed=households - (1 if i % 5 == 4 else 0), as_of="2024-12-01")
        _fact(group, police, kind="hotline_board", present=True, verified_on="2024-11-20")
    start, end = date(2024, 9, 1), date(2024, 12, 14)
    for n in range(12):
        day = start + timedelta(days=3 + n * 8)
        _fact(groups[n % len(groups)], police, kind="awareness_activity",
              activity_type="session", activity_date=day.isoformat(), minutes=90,
              audience=60 + (n * 23) % 140)
    day = start
    while day <= end:
        for _ in range(2):
            _fact(ward, police, kind="awareness_activity", activity_type="broadcast",
                  activity_date=day.isoformat(), minutes=30)
        day += timedelta(days=1)
