"""The area pages: tree, area page with criteria and facts, hotspots, dashboard, my work."""

from __future__ import annotations

import re

import sqlalchemy as sa

from casework.areas.models import AreaFact
from casework.areas.services import area_of
from tests.areas.conftest import day_ago


def html(response) -> str:
    return response.get_data(as_text=True)


def test_the_tree_is_scoped_and_coloured_by_state(page_as, area_in):
    area_in("G11", "complex")
    page = page_as("police", "W1")
    text = html(page.get("/areas/"))
    assert "Phường Một" in text and "Phường Hai" not in text
    assert re.search(r'tree-row state-complex" data-code="G11"', text)
    assert re.search(r'tree-row state-unassessed" data-code="G12"', text)
    assert "/8</span>" in text  # each group shows how many criteria it meets


def test_the_area_page_shows_state_and_all_8_criteria(page_as, tree, fact):
    fact("G11", "dealer", description="Quán nước đầu ngõ", found_date=day_ago(4))
    text = html(page_as("police", "W1").get("/areas/G11"))
    assert len(re.findall(r'class="criterion crit-', text)) == 8
    assert 'data-code="C1" data-status="not_met"' in text
    assert "Quán nước đầu ngõ" in text and "/areas/G11/facts/" in text
    assert "Chưa đánh giá" in text  # not yet assessed


def test_classifying_from_the_page_opens_the_area_record(page_as, db, tree):
    page = page_as("police", "W1")
    response = page.post("/areas/G12/events/classify", data={
        "version": "0", "level": "less_complex", "assessment_date": day_ago(1).isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert area_of(tree["G12"]).state == "less_complex"
    assert "Ít phức tạp về ma túy" in html(page.get("/areas/G12"))


def test_recording_facts_changes_the_criteria(page_as, db, area_in):
    area_in("G11", "less_complex")
    page = page_as("police", "W1")
    assert 'data-code="C6" data-status="needs_attestation"' in html(page.get("/areas/G11"))
    for data in (
        {"kind": "household_tally", "households_total": "150", "households_signed": "150",
         "as_of": day_ago(2).isoformat()},
        {"kind": "hotline_board", "present": "true", "verified_on": day_ago(2).isoformat()},
        {"kind": "prevention_model", "name": "Tổ tự quản", "started_on": day_ago(90).isoformat()},
    ):
        assert page.post("/areas/G11/facts", data=data).status_code == 302
    text = html(page.get("/areas/G11"))
    assert 'data-code="C6" data-status="met"' in text
    assert 'data-code="C7" data-status="met"' in text
    assert "8/8" in text


def test_a_bad_tally_is_refused_on_the_page_with_its_message(page_as, db, area_in):
    area_in("G11", "less_complex")
    page = page_as("police", "W1")
    response = page.post("/areas/G11/facts", data={
        "kind": "household_tally", "households_total": "100", "households_signed": "130",
        "as_of": day_ago(2).isoformat()})
    assert response.status_code == 422
    assert "130" in html(response) and 'role="alert"' in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AreaFact)) == 0


def test_viewers_see_the_criteria_without_names_and_cannot_record(page_as, person, tree):
    row, drive = person("G11", since=100)
    from tests.areas.conftest import drug_test_data

    drive("record_test", "health", drug_test_data(40), 40)
    viewer = html(page_as("viewer", "C").get("/areas/G11"))
    assert "Nguyễn Văn Thử" not in viewer and f"/persons/{row.id}" not in viewer
    assert 'data-code="C5" data-status="not_met"' in viewer
    assert "Record a fact" not in viewer and "Ghi nhận thông tin" not in viewer
    police = html(page_as("police", "W1").get("/areas/G11"))
    assert "Nguyễn Văn Thử" in police and f"/persons/{row.id}" in police


def test_a_hotspot_page_and_its_elimination(page_as, db, hotspot):
    spot, _police = hotspot("G11", found=30)
    page = page_as("police", "W1")
    assert "Bãi đất trống ven suối" in html(page.get(f"/hotspots/{spot.id}"))
    assert page.post(f"/hotspots/{spot.id}/events/watch",
                     data={"version": "1"}).status_code == 302
    response = page.post(f"/hotspots/{spot.id}/events/eliminate", data={
        "version": "2", "eliminated_date": day_ago(0).isoformat()})
    db.session.expire_all()
    assert response.status_code == 302 and spot.state == "eliminated"


def test_closing_an_incident_from_its_page(page_as, db, fact):
    row = fact("G11", "dealer", description="x", found_date=day_ago(10))
    page = page_as("police", "W1")
    assert page.post(f"/areas/G11/facts/{row.id}/close",
                     data={"resolved_date": day_ago(20).isoformat()}).status_code == 422
    assert page.post(f"/areas/G11/facts/{row.id}/close",
                     data={"resolved_date": day_ago(1).isoformat()}).status_code == 302
    db.session.expire_all()
    assert row.resolved_date == day_ago(1)


def test_a_breach_of_a_drug_free_area_is_proposed_never_applied(page_as, db, area_in, fact,
                                                                 good_facts, tree):
    good_facts("G11")
    area = area_in("G11", "drug_free")
    fact("G11", "dealer", description="Điểm bán mới", found_date=day_ago(0))
    page = page_as("police", "W1")
    text = html(page.get("/areas/G11"))
    assert 'id="breach"' in text and "C1" in text and area.state == "drug_free"
    work = html(page.get("/my-work"))
    assert "/areas/G11#breach" in work and "C1" in work
    # Others see no proposal in their work list.
    assert "/areas/G11#breach" not in html(page_as("inspector", "C").get("/my-work"))
    response = page.post("/areas/G11/events/recomplicate", data={
        "version": str(area.version), "breached": "C1", "level": "less_complex",
        "reason": "Tiêu chí bị vi phạm: C1."})
    assert response.status_code == 302
    db.session.expire_all()
    assert area_of(tree["G11"]).state == "less_complex"
    assert "/areas/G11#breach" not in html(page.get("/my-work"))


def test_the_dashboard_counts(page_as, api_as, area_in, good_facts, fact):
    good_facts("G11")
    area_in("G11", "less_complex")
    area_in("G12", "complex")
    fact("G21", "household_tally", households_total=10, households_signed=9, as_of=day_ago(1))
    text = html(page_as("viewer", "C").get("/dashboard"))
    assert '<dd id="all-met">1/3</dd>' in text
    body = api_as(("viewer", "C")).get("/api/v1/dashboard?org_unit=C").get_json()
    assert (body["leaves_all_met"], body["leaves_total"]) == (1, 3)
    by_state = {s["state"]: (s["count"], s["percent"]) for s in body["leaves_by_state"]}
    assert by_state["complex"] == (1, 33.3) and by_state["unassessed"] == (1, 33.3)
    c6 = next(c for c in body["criteria"] if c["code"] == "C6")
    assert (c6["met"], c6["total"]) == (1, 3)
    assert {r["state"] for r in body["requests_by_state"]} >= {"draft", "endorsed"}
    assert api_as(("viewer", "W2")).get("/api/v1/dashboard?org_unit=W1").status_code == 404


def test_navigation_shows_approvals_to_the_chain_only(page_as):
    def nav(role, unit):
        text = html(page_as(role, unit).get("/"))
        return re.search(r'<nav class="mainnav".*?</nav>', text, re.S).group(0)

    assert "/recognition/inbox" in nav("inspector", "C")
    assert "/recognition/inbox" in nav("city_authority", "C")
    assert "/recognition/inbox" not in nav("police", "W1")
    assert "/dashboard" in nav("viewer", "C")


def test_the_area_page_lists_the_newest_facts_of_both_kinds_and_counts_them_all(
        page_as, db, fact, hotspot, monkeypatch):
    from casework.areas import views

    monkeypatch.setattr(views, "FACTS_SHOWN", 3)
    for days in (50, 40, 30, 10):
        fact("G11", "dealer", description=f"Đối tượng {days}", found_date=day_ago(days))
    hotspot("G11", found=20, name="Tụ điểm 20")
    hotspot("G11", found=60, name="Tụ điểm 60")
    text = html(page_as("police", "W1").get("/areas/G11"))
    facts = text[text.index('id="facts"'):]
    shown = [name for name in ("Đối tượng 10", "Tụ điểm 20", "Đối tượng 30", "Đối tượng 40",
                               "Đối tượng 50", "Tụ điểm 60") if name in facts]
    assert shown == ["Đối tượng 10", "Tụ điểm 20", "Đối tượng 30"]
    assert facts.index("Đối tượng 10") < facts.index("Tụ điểm 20") < facts.index("Đối tượng 30")
    assert "3 thông tin gần nhất trong tổng số 6." in facts


def test_a_long_evidence_list_shows_its_first_25_and_how_many_more(page_as, api_as, db,
                                                                   tree):
    """A ward whose 30 groups have no household tally and no hotline board: C6 lists 25 of
    its 60 gaps on the page, then "… and 35 more records"; the criteria API still lists all
    60 (issue 16: a province's criterion can break for thousands of records)."""
    from casework.orgunits.services import create_orgunit

    for n in range(28):  # with G11 and G12: 30 groups
        create_orgunit(f"GX{n:02d}", f"Tổ dân phố thêm {n}", "residential_group", tree["W1"])
    db.session.commit()
    text = html(page_as("police", "W1").get("/areas/W1"))
    c6 = text.split('id="criterion-C6"', 1)[1].split('id="criterion-C7"', 1)[0]
    gaps = c6.split('<ul class="evidence">', 1)[1].split("</ul>", 1)[0]
    assert gaps.count("<li>") == 25
    assert '<li class="muted more-evidence">… và 35 hồ sơ khác</li>' in gaps
    body = api_as(("police", "W1")).get("/api/v1/areas/W1/criteria").get_json()
    c6_api = next(c for c in body["criteria"] if c["code"] == "C6")
    assert len(c6_api["evidence"]) == 60
