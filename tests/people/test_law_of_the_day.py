"""Persons: each history entry names the version (the law) it was judged by, in the API and
on the timeline; the event form and the workflow page show each event's legal basis."""

from __future__ import annotations

from html import unescape

import pytest

from tests.people.conftest import drug_test

# Version 1 (Law 73/2021), with dates relative to today: version 2 judges events dated
# from 2026-07-01 (test_law120.py).
pytestmark = pytest.mark.usefixtures("law73")


def html(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_history_entries_name_their_version(open_case, team):
    case = open_case(days_ago=40)
    case.fire("health", "record_test", drug_test(30), days_ago=30)
    history = team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()["items"]
    assert [h["workflow_version"] for h in history] == [1, 1]
    assert case.body["workflow_version"] == 1


def test_the_timeline_and_the_form_show_the_law(open_case, page_as):
    case = open_case(days_ago=40)
    health = page_as("health")
    page = html(health.get(f"/persons/{case.id}"))
    assert "Luật 73/2021" in page  # the timeline names the law of the opening
    # The test form states its legal basis (verified: no mark).
    form = html(health.get(f"/persons/{case.id}/events/record_test"))
    assert "Nghị định 105/2021 Điều 46.4" in form and "chưa đối chiếu" not in form
    police = html(page_as("police").get(f"/persons/{case.id}/events/exit"))
    assert "Nghiệp vụ quản lý hồ sơ" in police
    assert "chưa đối chiếu văn bản gốc" in police


def test_the_workflow_page_shows_basis_and_marks_unverified(page_as):
    page = html(page_as("police").get("/workflows/person?version=1"))
    assert "Luật 73/2021" in page and "Căn cứ pháp lý" in page
    assert "Luật 73/2021/QH14 Điều 23.2" in page
    assert "chưa đối chiếu văn bản gốc" in page  # e.g. the police's rehab steps (TTLT 03)
