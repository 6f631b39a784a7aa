"""The area tree shows today's map by default and the map of any day on request
(``/areas/?on=``): that day's units, places and states (WORKFLOWS.md §6)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.auth import services as auth_services
from casework.orgunits.models import OrgUnit
from tests.clock import vn_today
from tests.conftest import PASSWORD, PageClient
from tests.plans.test_map_of_2025 import EVE, ON, merged  # noqa: F401 - a fixture


def _unit(db, code):
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def province_page(app, db, merged):  # noqa: F811
    """A steering committee member of province P (ward N holds the merged wards' groups)."""
    user = auth_services.create_user("bcd.p", PASSWORD, full_name="Ban Chỉ đạo tỉnh")
    auth_services.grant_role(user, "steering_committee", _unit(db, "P"))
    db.session.commit()
    client = PageClient(app.test_client())
    assert client.login("bcd.p").status_code == 302
    return client


def codes(html: str) -> list[str]:
    return re.findall(r'class="tree-row [^"]*" data-code="([^"]+)"', html)


def test_today_is_the_default_map(province_page):
    html = province_page.get("/areas/").get_data(as_text=True)
    assert codes(html) == ["P", "N", "G11", "G12", "G21", "G31"]
    assert 'id="map-notice"' not in html
    assert f'value="{vn_today().strftime("%d/%m/%Y")}"' in html


@pytest.fixture
def ward_page(app, db, merged):  # noqa: F811
    """The police of ward N, made on 2025-07-01 from W1, W2 and W3."""
    user = auth_services.create_user("police.n", PASSWORD, full_name="Công an phường N")
    auth_services.grant_role(user, "police", _unit(db, "N"))
    db.session.commit()
    client = PageClient(app.test_client())
    assert client.login("police.n").status_code == 302
    return client


@pytest.mark.parametrize("typed", [EVE.isoformat(), EVE.strftime("%d/%m/%Y")])
def test_the_map_of_the_eve_of_the_merger(ward_page, typed):
    """On 2025-06-30 N did not exist: its officer reads the wards merged into it, with their
    groups in their old places (WORKFLOWS.md §6), not the cities above them."""
    html = ward_page.get(f"/areas/?on={typed}").get_data(as_text=True)
    assert codes(html) == ["W1", "G11", "G12", "W2", "G21", "W3", "G31"]
    assert "30/06/2025" in html and 'id="map-notice"' in html
    # Links open the unit's criteria as of that day.
    assert f'href="/areas/G11?as_of={EVE.isoformat()}"' in html
    assert "trước đây thuộc" not in html  # in their places of that day
    today = ward_page.get("/areas/").get_data(as_text=True)
    assert codes(today) == ["N", "G11", "G12", "G21", "G31"]
    assert ("Tổ dân phố 4</a>\n    <span class=\"muted\">Tổ dân phố · trước đây thuộc Phường Ba"
            in today)


def test_the_province_reads_the_map_of_the_wards_merged_into_its_own(province_page):
    html = province_page.get(f"/areas/?on={EVE.isoformat()}").get_data(as_text=True)
    assert sorted(codes(html)) == ["G11", "G12", "G21", "G31", "P", "W1", "W2", "W3"]
    assert "N" not in codes(html)


def test_the_map_of_the_first_day_after(province_page):
    html = province_page.get(f"/areas/?on={ON.isoformat()}").get_data(as_text=True)
    assert codes(html) == ["P", "N", "G11", "G12", "G21", "G31"]


def test_states_are_those_of_the_day(db, province_page, area_in):
    area_in("G11", "complex", since=100)  # classified 99 days ago
    before = (vn_today() - timedelta(days=120)).isoformat()
    after = (vn_today() - timedelta(days=50)).isoformat()
    row = r'class="tree-row state-([a-z_]+)" data-code="G11"'
    assert re.search(row, province_page.get(f"/areas/?on={before}").get_data(
        as_text=True)).group(1) == "unassessed"
    assert re.search(row, province_page.get(f"/areas/?on={after}").get_data(
        as_text=True)).group(1) == "complex"


@pytest.mark.parametrize(("typed", "message"), [
    ("hôm qua", "không phải là ngày"),
    ("31/02/2025", "không phải là ngày"),
    ("1800-01-01", "01/01/1900"),
    ("__tomorrow__", "tương lai"),
])
def test_a_bad_day_shows_today_with_the_reason(province_page, typed, message):
    if typed == "__tomorrow__":
        typed = (vn_today() + timedelta(days=1)).isoformat()
    response = province_page.get("/areas/", query_string={"on": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'role="alert"' in html
    assert codes(html) == ["P", "N", "G11", "G12", "G21", "G31"]


def test_the_dashboard_opens_on_todays_map(app, db, merged):  # noqa: F811
    """A grant over the ended city and one over the province: the dashboard opens on the
    province; the city's stays one choice away."""
    user = auth_services.create_user("bcd.both", PASSWORD, full_name="Ban Chỉ đạo")
    for code in ("C", "P"):
        auth_services.grant_role(user, "steering_committee", _unit(db, code))
    db.session.commit()
    client = PageClient(app.test_client())
    assert client.login("bcd.both").status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Bảng tổng hợp — Tỉnh Thử" in html
    assert "Thành phố Thử" in client.get("/dashboard?org_unit=C").get_data(as_text=True)
