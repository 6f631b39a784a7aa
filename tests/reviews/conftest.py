"""Fixtures for commune reviews: a province with two wards, and one API client per step."""

from __future__ import annotations

import pytest

from casework.orgunits.services import create_orgunit
from tests.areas.conftest import fact  # noqa: F401 - shared with the area tests
from tests.clock import vn_today


@pytest.fixture
def province(db, tree):
    """Province P with wards PW1 (village PV1) and PW2, added to ``tree`` so make_user and
    api_as name them."""
    p = create_orgunit("P", "Tỉnh Thử", "province", None)
    w1 = create_orgunit("PW1", "Phường Tân Phong Thử", "ward", p)
    w2 = create_orgunit("PW2", "Phường Đoàn Kết Thử", "ward", p)
    tree.update({"P": p, "PW1": w1, "PW2": w2,
                 "PV1": create_orgunit("PV1", "Tổ dân phố Thử", "residential_group", w1)})
    db.session.commit()
    return tree


@pytest.fixture
def year():
    """The review period under way today (15/12 of the year before to 14/12)."""
    from casework.areas import qd28

    return qd28.period_year_of(vn_today())


@pytest.fixture
def steps(api_as, province):
    """One API client per role of the review, each granted over the whole province so one
    set of clients drives both wards."""
    return {
        "police": api_as(("police", "P")),
        "commune_chair": api_as(("commune_chair", "P")),
        "province_authority": api_as(("province_authority", "P")),
    }


def fire(client, review: dict, event: str, data: dict | None = None, reason=None):
    body = {"event": event, "version": review["version"], "data": data or {}}
    if reason is not None:
        body["reason"] = reason
    return client.post(f"/api/v1/commune-reviews/{review['id']}/transitions", json=body)


EVENT_DATA = {
    "submit": {"note": "Đã rà soát số liệu"},
    "approve_commune": lambda: {"meeting_date": vn_today().isoformat()},
    "approve": lambda: {"decision_no": "123/QĐ-UBND", "decision_date": vn_today().isoformat()},
    "return": {},
}


def data_for(event: str) -> dict:
    value = EVENT_DATA[event]
    return value() if callable(value) else dict(value)


# The path to each state from a new draft: (event, role).
PATH = {
    "draft": [],
    "submitted": [("submit", "police")],
    "approved_by_commune": [("submit", "police"), ("approve_commune", "commune_chair")],
    "approved": [("submit", "police"), ("approve_commune", "commune_chair"),
                 ("approve", "province_authority")],
}


@pytest.fixture
def review_in(steps, year):
    """review_in("submitted") → the JSON of PW1's review driven to that state."""

    def make(state: str, code: str = "PW1") -> dict:
        created = steps["police"].post("/api/v1/commune-reviews",
                                       json={"area_code": code, "period": year})
        assert created.status_code == 201, created.get_json()
        review = created.get_json()
        for event, role in PATH[state]:
            answer = fire(steps[role], review, event, data_for(event),
                          reason="Lý do" if event == "return" else None)
            assert answer.status_code == 200, answer.get_json()
            review = answer.get_json()
        assert review["state"] == state
        return review

    return make
