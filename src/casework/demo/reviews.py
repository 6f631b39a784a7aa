"""The demo's QĐ 28/2025 picture (WORKFLOWS.md §9, §10): the population of the Lai Châu
wards, a few drug cases, and the current period's review in progress for the province:
phường Đoàn Kết approved by its chair and waiting for the province (account ``province``),
phường Tân Phong still a draft with its police.

Dates lie in the current review period and never after today, so the demo reads the same
whenever it is loaded. Loading is idempotent: nothing is added once a demo review exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from casework.areas import qd28
from casework.areas import services as areas
from casework.auth import services as auth_services
from casework.auth.scope import Scope
from casework.db import today_local
from casework.demo.accounts import SEED_USER, demo_user
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.reviews import services as reviews
from casework.reviews.models import CommuneReview
from casework.workflow.deadlines import LOCAL_TZ

TAN_PHONG, DOAN_KET = "LCH-P-TPH", "LCH-P-DK"
# (ward, residents) on the first days of the period.
POPULATION = ((TAN_PHONG, 24_560), (DOAN_KET, 16_830))
# (ward, days after the period began, kind, suspects, days to prosecution or None, case no.)
CASES = (
    (DOAN_KET, 40, "trafficking", 2, 18, "08/2026/HS"),
    (DOAN_KET, 150, "possession", 1, None, None),
    (TAN_PHONG, 95, "organising_use", 3, 25, "15/2026/HS"),
)


def _unit(code: str) -> OrgUnit | None:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LOCAL_TZ)


def load_demo_reviews() -> int:
    """Record the facts and the reviews once; returns how many reviews were opened."""
    tan_phong, doan_ket = _unit(TAN_PHONG), _unit(DOAN_KET)
    police, chair, seed = demo_user("police"), demo_user("chair"), demo_user(SEED_USER)
    if None in (tan_phong, doan_ket, police, chair, seed):
        return 0
    if db.session.scalar(sa.select(CommuneReview.id).where(
            CommuneReview.org_unit_id.in_([tan_phong.id, doan_ket.id])).limit(1)):
        return 0
    today = today_local()
    year = qd28.period_year_of(today)
    start, _end = qd28.review_period(year)
    # The history's account prepares Tân Phong, whose police has no demo account.
    auth_services.grant_role(seed, "police", tan_phong)
    recorder = {TAN_PHONG: seed, DOAN_KET: police}
    units = {TAN_PHONG: tan_phong, DOAN_KET: doan_ket}

    def day(offset: int) -> date:
        return min(start + timedelta(days=offset), today)

    for code, residents in POPULATION:
        actor = recorder[code]
        areas.record_fact(units[code], actor, {"kind": "population", "residents": residents,
                                               "as_of": day(5).isoformat()},
                          Scope.for_user(actor))
    for code, offset, kind, suspects, to_prosecution, case_no in CASES:
        actor = recorder[code]
        payload = {"kind": "drug_case", "found_date": day(offset).isoformat(),
                   "case_kind": kind, "suspects": suspects}
        if to_prosecution is not None and day(offset + to_prosecution) > day(offset):
            payload["prosecuted_on"] = day(offset + to_prosecution).isoformat()
            payload["case_no"] = case_no
        areas.record_fact(units[code], actor, payload, Scope.for_user(actor))
    reviews.open_review(tan_phong, year, seed)
    review = reviews.open_review(doan_ket, year, police)
    reviews.fire_review_event(review, "submit", police,
                              data={"note": "Công an phường đã rà soát số liệu kỳ rà soát."})
    reviews.fire_review_event(review, "approve_commune", chair,
                              data={"meeting_date": today.isoformat()})
    db.session.flush()
    return 2
