"""The redaction policy (casework.web.redaction) case by case: who may see, what is personal."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from casework.areas.criteria import Evidence
from casework.areas.models import AreaFact, Hotspot
from casework.auth.scope import Scope
from casework.web import redaction
from tests.areas import conftest as area_fixtures

area_in, user = area_fixtures.area_in, area_fixtures.user  # fixtures used below


def scope_of(make_user, *grants):
    return Scope.for_user(make_user(f"u{len(grants)}{grants[0][0]}{grants[0][1]}", *grants))


@pytest.mark.parametrize(("grants", "unit", "allowed"), [
    ((("police", "W1"),), "G11", True),
    ((("police", "W1"),), "W1", True),
    ((("police", "W1"),), "G21", False),
    ((("police", "W1"),), "C", False),          # above the grant
    ((("health", "C"),), "G21", True),
    ((("inspector", "W2"),), "G21", True),
    ((("viewer", "C"),), "G11", False),
    ((("admin", "C"),), "G11", False),
    ((("viewer", "C"), ("police", "W1")), "G11", True),   # the police grant covers it
    ((("viewer", "C"), ("police", "W1")), "G21", False),  # only the viewer grant does
    ((("admin", "C"), ("police", "W2")), "G11", False),
])
def test_who_may_see_personal_data(make_user, tree, grants, unit, allowed):
    scope = scope_of(make_user, *grants)
    assert redaction.may_see_personal(tree[unit], scope) is allowed
    assert redaction.may_see_personal(tree[unit].path, scope) is allowed


def test_nothing_is_personal_data_of_no_unit():
    assert redaction.may_see_personal(None, Scope(())) is False


@pytest.mark.parametrize(("kind", "name", "value", "shown"), [
    ("area_facts", "description", "Nhà ông A", None),          # free text: personal
    ("area_facts", "note", "ghi chú", None),
    ("area_facts", "name", "Mô hình Tổ tự quản", "Mô hình Tổ tự quản"),   # declared public
    ("area_facts", "decision_no", "12/QĐ", "12/QĐ"),
    ("area_facts", "plant_count", 12, 12),                     # codes stay
    ("area_facts", "present", False, False),
    ("area_facts", "found_date", date(2025, 1, 2), date(2025, 1, 2)),
    ("area_facts", "resolved_date", None, None),
    ("hotspots", "address", "Số 5 ngõ Hoa", None),
    ("hotspots", "name", "Quán nước bà B", "Điểm #7"),          # the stand-in
    ("persons", "full_name", "Nguyễn Văn A", "Một người"),
    ("persons", "gender", "male", "male"),
    ("unknown_kind", "anything", "chữ", None),                 # undeclared: personal
    ("plans", "title", "Kế hoạch 12", "Kế hoạch 12"),          # a public record
    ("org_units", "name", "Tổ 1", "Tổ 1"),
])
def test_what_is_personal(app, kind, name, value, shown):
    with force_locale("vi"):
        assert redaction.shown_value(kind, name, value, False, record_id=7) == shown
        assert redaction.shown_value(kind, name, value, True, record_id=7) == value


def test_free_text_inside_json_is_personal_codes_are_not():
    notes = {"C1": {"met": True, "note": "ông A bán"}, "C2": {"met": False, "note": None}}
    assert redaction.shown_value("recognition_requests", "self_assessment", notes, False) == {
        "C1": {"met": True, "note": None}, "C2": {"met": False, "note": None}}
    assert redaction.shown_value("x", "list", ["a", 1, True], False) == [None, 1, True]


def test_the_api_leaves_withheld_fields_out():
    values = {"description": "Nhà ông A", "note": None, "name": "Mô hình",
              "found_date": date(2025, 1, 2), "plant_count": 3}
    assert redaction.shown_values("area_facts", values, False) == {
        "note": None, "name": "Mô hình", "found_date": date(2025, 1, 2), "plant_count": 3}
    assert redaction.shown_values("area_facts", values, True) == values


def _entry(workflow, event, data, reason="Lý do có tên ông A", from_state=None, version=1):
    return SimpleNamespace(
        seq=2, event=event, from_state=from_state, to_state="x", workflow=workflow,
        workflow_version=version, actor_name="police.a", role="police",
        recorded_at=datetime(2025, 1, 2), effective_at=datetime(2025, 1, 2), reason=reason,
        data=data, hash="h" * 64, org_unit=None)


@pytest.mark.parametrize(("workflow", "event", "from_state", "data", "kept"), [
    # Choice fields and dates of the definition are codes.
    ("area", "classify", "unassessed",
     {"level": "complex", "complexity_type": "II", "assessment_date": "2025-01-02"},
     {"level": "complex", "complexity_type": "II", "assessment_date": "2025-01-02"}),
    ("area", "escalate", "less_complex", {"grounds": "Ông A tái phạm"}, {}),
    ("area", "downgrade", "complex", {"minutes_no": "BB-12"}, {"minutes_no": "BB-12"}),
    ("area", "recomplicate", "drug_free", {"level": "complex", "breached": ["C1", "C2"]},
     {"level": "complex", "breached": ["C1", "C2"]}),
    ("hotspot", "open", None, {"name": "Quán bà B", "address": "Ngõ 5",
                               "found_date": "2025-01-02"}, {"found_date": "2025-01-02"}),
    ("hotspot", "eliminate", "watched", {"eliminated_date": "2025-01-02", "note": "Bắt ông C"},
     {"eliminated_date": "2025-01-02"}),
    ("person", "record_test", "suspected",
     {"test_date": "2025-01-02", "sample": "urine", "substances": ["heroin"],
      "result": "positive", "facility": "Trạm y tế", "guardian_consent": True},
     {"test_date": "2025-01-02", "sample": "urine", "result": "positive",
      "guardian_consent": True, "substances": [None]}),
    # A field no definition names (an effect's derived value): codes by their value only.
    ("person", "imported", None, {"external_id": "HS-1", "term_end": "2026-01-02",
                                  "post_rehab_months": 12},
     {"term_end": "2026-01-02", "post_rehab_months": 12}),
    ("recognition", "evaluate", "submitted",
     {"inspection_date": "2025-01-02", "minutes_no": "BB-1",
      "verdicts": {"C1": {"met": True, "note": "ông A"}}},
     {"inspection_date": "2025-01-02", "minutes_no": "BB-1",
      "verdicts": {"C1": {"met": True, "note": None}}}),
])
def test_event_data_keeps_codes_and_declared_fields(app, workflow, event, from_state, data,
                                                    kept):
    entry = _entry(workflow, event, data, from_state=from_state)
    assert redaction.event_data(entry, False) == kept
    assert redaction.event_data(entry, True) == data
    shown = redaction.shown_entry(entry, False)
    assert shown.reason is None and shown.withheld
    assert redaction.shown_entry(entry, True).reason == entry.reason


def test_an_entry_with_nothing_personal_is_not_marked_withheld(app):
    entry = _entry("area", "classify", {"level": "complex", "assessment_date": "2025-01-02"},
                   reason=None, from_state="unassessed")
    assert not redaction.shown_entry(entry, False).withheld


def test_a_hotspot_as_a_viewer_sees_it(app, tree, make_user):
    with force_locale("vi"):
        hotspot = Hotspot(id=12, org_unit=tree["G11"], name="Quán bà B", address="Ngõ 5",
                          found_date=date(2025, 1, 2), state="detected")
        shown = redaction.shown(hotspot, scope=scope_of(make_user, ("viewer", "C")))
        assert shown.name == "Điểm #12" and shown.address is None
        assert shown["address"] is None and shown.kind == "hotspot"
        assert shown.state == "detected" and shown.found_date == date(2025, 1, 2)
        assert shown.org_unit.name == "Tổ dân phố 1"   # units are public records
        assert str(shown) == "Điểm #12"
        with pytest.raises(AttributeError):
            shown.name = "x"
        police = redaction.shown(hotspot, scope=scope_of(make_user, ("police", "W1")))
        assert police is hotspot


def test_a_fact_as_a_viewer_sees_it(app, tree, make_user):
    fact = AreaFact(id=3, kind="dealer", org_unit=tree["G11"], description="Nhà ông A",
                    note="bán lẻ", found_date=date(2025, 1, 2))
    shown = redaction.shown(fact, scope=scope_of(make_user, ("admin", "C")))
    assert shown.description is None and shown.note is None
    assert shown.kind_label and shown.closable is True and shown.found_date == date(2025, 1, 2)


def _evidence(source, area_path):
    return Evidence(kind="incident", id=5, label="Nhà ông A", detail="Bán lẻ, phát hiện 02/01",
                    url="/areas/G11/facts/5", area_code="G11", area_name="Tổ 1",
                    date=date(2025, 1, 2), source=source, area_path=area_path)


@pytest.mark.parametrize(("source", "label", "url", "detail"), [
    (("area_facts", "description"), "Bản ghi #5", "/areas/G11/facts/5",
     "Bán lẻ, phát hiện 02/01"),
    (("hotspots", "name"), "Điểm #5", "/areas/G11/facts/5", "Bán lẻ, phát hiện 02/01"),
    (("persons", "full_name"), "Một người", "", ""),            # no link, no detail
    (("area_facts", "kind_label"), "Nhà ông A", "/areas/G11/facts/5", "Bán lẻ, phát hiện 02/01"),
    (("org_units", "name"), "Nhà ông A", "/areas/G11/facts/5", "Bán lẻ, phát hiện 02/01"),
])
def test_criteria_evidence_goes_through_the_policy(app, make_user, tree, source, label, url,
                                                   detail):
    with force_locale("vi"):
        item = _evidence(source, tree["G11"].path)
        viewer = redaction.shown_evidence(item, scope_of(make_user, ("viewer", "C")))
        assert (viewer.label, viewer.url, viewer.detail) == (label, url, detail)
        assert redaction.shown_evidence(item, scope_of(make_user, ("police", "W1"))) is item
        assert item.as_dict()["personal"] is (label != "Nhà ông A")


def test_a_mixed_user_sees_the_timeline_only_where_a_personal_role_covers_it(
        page_as, make_user, pages, area_in, tree, db):
    from casework.workflow import engine

    for code in ("G11", "G21"):
        area = area_in(code, "less_complex")
        engine.fire(area, "escalate", make_user(f"p.{code}", ("police", code)),
                    data={"grounds": f"Ông Bí Mật {code}"}, reason=f"Lý do {code}")
    db.session.commit()
    make_user("mixed", ("viewer", "C"), ("police", "W1"))
    pages.login("mixed")
    g11 = pages.get("/areas/G11").get_data(as_text=True)
    g21 = pages.get("/areas/G21").get_data(as_text=True)
    assert "Lý do G11" in g11 and "Ông Bí Mật G11" in g11
    assert "Lý do G21" not in g21 and "Ông Bí Mật G21" not in g21
    assert "Lý do và ghi chú được ẩn với vai trò của bạn." in g21
    history = pages.get("/api/v1/areas/G21/history").get_json()["items"]
    assert [e["reason"] for e in history] == [None, None, None]
    assert history[-1]["data"] == {}


def test_a_timeline_given_raw_entries_still_goes_through_the_policy(app, make_user, tree,
                                                                    area_in, db):
    from flask import render_template
    from flask_login import login_user

    from casework.audit.services import history_of
    from casework.auth.services import start_session
    from casework.workflow import engine

    area = area_in("G11", "less_complex")
    engine.fire(area, "escalate", make_user("p1", ("police", "G11")),
                data={"grounds": "Ông Bí Mật"}, reason="Lý do kín")
    viewer = make_user("v1", ("viewer", "C"))
    with app.test_request_context("/"):
        start_session(viewer)
        login_user(viewer)
        html = render_template("audit/_timeline.html", entries=history_of(area))
    assert "Lý do kín" not in html and "Ông Bí Mật" not in html
    assert html.count("timeline-entry") == 3
