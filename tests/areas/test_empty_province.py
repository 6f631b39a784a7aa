"""Issue 16, bad input: a province page for a unit with no data answers at once with zeros,
not an error (the fast paths have nothing to group)."""

from __future__ import annotations

import pytest

from casework.orgunits.services import create_orgunit


@pytest.fixture
def empty_province(tree):
    province = create_orgunit("PX", "Tỉnh Trống", "province", None)
    tree["PX"] = province
    tree["PX1"] = create_orgunit("PX1", "Xã Trống", "commune", province)
    return province


@pytest.mark.parametrize("path", [
    "/", "/areas/PX", "/areas/PX1", "/my-work", "/persons/",
])
def test_province_pages_of_an_empty_province(page_as, empty_province, path):
    page = page_as("province_authority", "PX")
    response = page.get(path)
    assert response.status_code == 200, path


@pytest.mark.parametrize("path", [
    "/api/v1/areas/PX/criteria",
    "/api/v1/areas/PX/classification?period=2026",
    "/api/v1/areas/PX1/classification?period=2026",
    "/api/v1/reports/province_review?org_unit=PX&period=2026",
    "/api/v1/reports/six_month?org_unit=PX&period=2026-H1",
])
def test_province_api_of_an_empty_province(api_as, empty_province, path):
    client = api_as(("province_authority", "PX"))
    response = client.get(path)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])


def test_an_empty_provinces_classification_counts_zero(api_as, empty_province):
    body = api_as(("province_authority", "PX")).get(
        "/api/v1/areas/PX1/classification?period=2026").get_json()
    assert body["type"] == "none"
    assert [c["count"] for c in body["criteria"]] == [0] * len(body["criteria"])
