"""Every workflow record's page updates with htmx as the person page does: the event form posts
with hx-post, the record's panels come back as a fragment (409/422 with the form's message),
and without JavaScript the same form is a plain POST answered with a redirect."""

from __future__ import annotations

from casework.areas.services import area_of
from tests.areas.conftest import day_ago

HX = {"HX-Request": "true"}


def html(response) -> str:
    return response.get_data(as_text=True)


def assert_full_page(response):
    assert response.status_code == 200
    text = html(response)
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert '<div id="record-panels">' in text
    assert "HX-Request" in response.headers["Vary"]


def assert_fragment(response, status=200):
    assert response.status_code == status
    text = html(response)
    assert "<html" not in text and "<body" not in text and 'id="record-panels"' not in text
    assert '<header class="area-head">' in text
    assert "HX-Request" in response.headers["Vary"]
    return text


def test_the_area_page_is_a_fragment_for_htmx_and_a_page_otherwise(page_as, area_in):
    area_in("G11", "less_complex")
    page = page_as("police", "W1")
    assert_full_page(page.get("/areas/G11"))
    fragment = assert_fragment(page.get("/areas/G11", headers=HX))
    assert 'hx-post="/areas/G11/events/escalate" hx-target="#record-panels"' in fragment


def test_an_area_event_answers_htmx_with_the_panels(page_as, db, area_in, tree):
    area = area_in("G11", "less_complex")
    page = page_as("police", "W1")
    version = area.version
    moved = page.post("/areas/G11/events/escalate", headers=HX, data={
        "version": str(version), "grounds": "Tụ điểm mới", "reason": "Có tụ điểm mới"})
    text = assert_fragment(moved)
    db.session.expire_all()
    assert area_of(tree["G11"]).state == "complex"
    assert 'data-state="complex"' in text
    # The same form sent again with the old version: 409, the form open with its message.
    stale = page.post("/areas/G11/events/escalate", headers=HX, data={
        "version": str(version), "grounds": "x", "reason": "x"})
    assert stale.status_code == 409
    text = html(stale)
    assert "<html" not in text and 'class="alert alert-error"' in text
    assert 'href="/areas/G11">' in text  # "Reload"


def test_a_refused_area_event_is_a_422_fragment_for_htmx(page_as, area_in):
    area = area_in("G12", "less_complex")
    page = page_as("police", "W1")
    refused = page.post("/areas/G12/events/escalate", headers=HX,
                        data={"version": str(area.version), "grounds": "x"})
    text = assert_fragment(refused, 422)
    assert '<details class="event-box" data-event="escalate" open>' in text
    assert 'class="alert alert-error"' in text


def test_the_hotspot_page_is_a_fragment_for_htmx_and_a_page_otherwise(page_as, db, hotspot):
    spot, _police = hotspot("G11", found=30)
    page = page_as("police", "W1")
    assert_full_page(page.get(f"/hotspots/{spot.id}"))
    fragment = assert_fragment(page.get(f"/hotspots/{spot.id}", headers=HX))
    assert f'hx-post="/hotspots/{spot.id}/events/watch" hx-target="#record-panels"' in fragment
    watched = assert_fragment(page.post(f"/hotspots/{spot.id}/events/watch", headers=HX,
                                        data={"version": "1"}))
    assert 'data-state="watched"' in watched
    refused = page.post(f"/hotspots/{spot.id}/events/eliminate", headers=HX,
                        data={"version": "2", "eliminated_date": "31/31/2026"})
    text = assert_fragment(refused, 422)
    assert '<details class="event-box" data-event="eliminate" open>' in text
    done = page.post(f"/hotspots/{spot.id}/events/eliminate",
                     data={"version": "2", "eliminated_date": day_ago(0).isoformat()})
    assert done.status_code == 302 and done.headers["Location"] == f"/hotspots/{spot.id}"
