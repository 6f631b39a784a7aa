"""Diagrams on the command line, the /workflows pages, and the workflow API."""

from __future__ import annotations

import pytest

from casework.workflow.catalog import get_catalog
from casework.workflow.diagrams import mermaid


def test_every_state_and_transition_is_drawn(app):
    catalog = get_catalog()
    for definition in catalog.all():
        text = mermaid(definition, catalog.registry, codes=True)
        assert text.startswith("stateDiagram-v2\n")
        for state in definition.states:
            assert f'state "{state}" as {state}' in text
        assert f"[*] --> {definition.initial} : open" in text
    person = mermaid(catalog.get("person"), catalog.registry, codes=True)
    assert "suspected --> positive : record_test (test_positive)" in person
    assert "suspected --> cleared : record_test (not test_positive)" in person
    assert "any_open --> exited : exit" in person
    assert "any_open --> any_open : transfer" in person
    assert "managed_user --> managed_user : check_residence" in person
    assert "cleared --> [*]" in person


def test_a_record_page_draws_the_current_states_neighbourhood(app):
    """Issue 17: the states one step before and after the current one, and only the moves
    that touch it; the workflow page keeps the whole diagram."""
    catalog = get_catalog()
    definition = catalog.get("person", 1)
    text = mermaid(definition, catalog.registry, current="positive", codes=True,
                   neighbourhood=True)
    states = {line.split(" as ")[1] for line in text.splitlines() if " as " in line}
    before = {s for t in definition.transitions if t.dest == "positive" and not t.any_open
              for s in t.sources if s != "[*]"} - {"new"}
    after = {t.dest for t in definition.transitions
             if "positive" in t.sources and t.dest and not t.any_open}
    assert "suspected" in before and "managed_user" in after
    assert states == {"positive"} | before | after
    assert "class positive current" in text and "any_open" not in text
    assert "post_rehab" not in states  # two steps away
    for line in text.splitlines():
        if "-->" in line and "[*]" not in line:
            assert "positive" in line, line


def test_labels_are_in_the_chosen_language(app):
    runner = app.test_cli_runner()
    vi = runner.invoke(args=["workflows", "diagram", "person"])
    assert vi.exit_code == 0
    assert 'state "Nghi sử dụng ma túy" as suspected' in vi.output
    assert "suspected --> positive : Ghi kết quả xét nghiệm (kết quả xét nghiệm dương tính)" \
        in vi.output
    en = runner.invoke(args=["workflows", "diagram", "person", "--lang", "en"])
    assert 'state "Suspected of drug use" as suspected' in en.output
    assert "(not the test result is positive)" in en.output


def test_diagram_command_highlights_a_state_and_rejects_unknowns(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflows", "diagram", "area", "--state", "complex"])
    assert result.exit_code == 0 and "class complex current" in result.output
    assert runner.invoke(args=["workflows", "diagram", "nope"]).exit_code == 1
    bad_state = runner.invoke(args=["workflows", "diagram", "area", "--state", "nope"])
    assert bad_state.exit_code == 1 and "no state 'nope'" in bad_state.output
    listed = runner.invoke(args=["workflows", "list"])
    assert "person: v1 (from 2022-01-01)" in listed.output


def test_workflows_page_draws_every_diagram_with_vendored_mermaid(page_as):
    client = page_as("viewer", "C")
    page = client.get("/workflows/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<pre class="mermaid"') == 5
    assert "/static/vendor/mermaid.min.js" in html
    assert "http" not in html.split("<main", 1)[1].split("</main>")[0].replace(
        "http://localhost", "")  # nothing from the internet
    assert "stateDiagram-v2" in html and "Nghi sử dụng ma túy" in html
    assert 'href="/workflows/"' in html  # the navigation entry


def test_workflow_page_highlights_a_state(page_as):
    client = page_as("police")
    page = client.get("/workflows/person?state=addict")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "class addict current" in html
    assert "Người nghiện ma túy, chưa cai" in html
    assert client.get("/workflows/nope").status_code == 404
    # The terms table is in the page's body, once: not in its <title> or <head>.
    text = client.get("/workflows/person").get_data(as_text=True)
    head = text.split("</head>", 1)[0]
    assert "<section" not in head and text.count("Thời hạn và mức quy định") == 1


def test_record_diagram_helper_highlights_the_current_state(app, reach):
    from casework.workflow.templating import record_diagram

    record, _ = reach("person", "methadone")
    assert "class methadone current" in record_diagram(record)


def test_pages_need_sign_in(app):
    response = app.test_client().get("/workflows/")
    assert response.status_code == 302


@pytest.fixture
def api(api_as):
    return api_as(("viewer", "C"))


def test_api_lists_workflows(api):
    response = api.get("/api/v1/workflows")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["name"] for i in items] == ["area", "commune_review", "hotspot", "person",
                                          "recognition"]
    assert items[3] == {"name": "person", "title": "Hồ sơ người sử dụng ma túy", "version": 2,
                        "effective_from": "2026-07-01", "versions": [1, 2]}


def test_api_describes_one_workflow(api):
    response = api.get("/api/v1/workflows/person?version=1", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_json()
    states = {s["code"]: s for s in body["states"]}
    assert states["positive"]["label"] == "Positive, awaiting management decision"
    assert states["positive"]["labels"]["vi"] == "Dương tính, chờ quyết định quản lý"
    assert states["positive"]["deadline"]["unit"] == "working_days"
    assert states["cleared"]["closed"] is True
    exit_ = next(t for t in body["transitions"] if t["event"] == "exit")
    assert exit_["source"] == "any open" and exit_["reason_required"] is True
    assert {"code": "test_positive", "description": "the test result is positive",
            "uses_data": True} in body["rules"]
    assert "commune_chair" in body["roles"]
    fields = next(t for t in body["transitions"] if t["event"] == "decide_management")["data"]
    assert fields == {"fields": [
        {"name": "decision_no", "type": "string", "required": True},
        {"name": "decision_date", "type": "date", "required": True},
    ]}
    submit = api.get("/api/v1/workflows/recognition").get_json()
    assert next(t for t in submit["transitions"] if t["event"] == "submit")["data"] == {
        "schema": "recognition_self_assessment"}
    # Each event names its principal date, the field its effective_at defaults to.
    events = {e["code"]: e for e in body["events"]}
    assert events["decide_management"]["date"] == "decision_date"
    assert events["request_assessment"]["date"] is None
    assert {e["code"]: e["date"] for e in submit["events"]}["evaluate"] == "inspection_date"


def test_api_diagram_is_mermaid_text(api):
    response = api.get("/api/v1/workflows/hotspot/diagram?state=watched&codes=true")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("stateDiagram-v2") and "class watched current" in text


def test_api_unknown_workflow_is_404(api):
    for url in ("/api/v1/workflows/nope", "/api/v1/workflows/nope/diagram",
                "/api/v1/workflows/person?version=9"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


def test_api_needs_a_token(app):
    response = app.test_client().get("/api/v1/workflows")
    assert response.status_code == 401
