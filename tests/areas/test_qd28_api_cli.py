"""``casework criteria check``, ``casework classify`` and GET /areas/{code}/classification."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from casework.areas.criteria_sets import criteria_dir
from tests.areas.qd28_helpers import current_year, in_period, period

SHIPPED = criteria_dir() / "qd28-2025.yaml"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# --- criteria check --------------------------------------------------------------------------


def test_check_passes_on_the_shipped_sets(app):
    result = run(app, "criteria", "check")
    assert result.exit_code == 0, result.output
    assert "qd28-2025" in result.output and "OK: " in result.output


def _edited(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _criterion(raw, code):
    return next(c for c in raw["criteria"] if str(c["code"]) == code)


def _unknown_measure(raw):
    _criterion(raw, "a")["measure"] = "qd28.no_such_measure"


def _overlap(raw):
    _criterion(raw, "a")["bands"]["type_2"] = {"min": "0.1%", "below": "0.6%"}


def _missing_level(raw):
    del _criterion(raw, "b")["level"]


def _level_not_declared(raw):
    del raw["levels"]["province"]


def _unknown_state(raw):
    _criterion(raw, "6.1")["params"]["states"].append("in_orbit")


def _state_both_ways(raw):
    _criterion(raw, "6.1")["params"]["exceptions"].append("addict")


def _bad_number(raw):
    _criterion(raw, "c")["bands"]["type_1"] = {"min": "a lot"}


def _min_above_below(raw):
    _criterion(raw, "c")["bands"]["type_2"] = {"min": "0.2%", "below": "0.1%"}


def _type_names_unknown(raw):
    raw["types"]["type_1"]["of"] = ["a", "z"]


@pytest.mark.parametrize(("edit", "words"), [
    (_unknown_measure, "unknown measure 'qd28.no_such_measure'"),
    (_overlap, "bands type_1 and type_2 overlap"),
    (_missing_level, "criterion b: missing level"),
    (_level_not_declared, "level 'province' is not one of the set's levels"),
    (_unknown_state, "unknown person state 'in_orbit'"),
    (_state_both_ways, "both break it and are its exceptions"),
    (_bad_number, "not a number"),
    (_min_above_below, "is not below"),
    (_type_names_unknown, "unknown criteria ['z']"),
])
def test_check_fails_with_exit_1(app, tmp_path, edit, words):
    result = run(app, "criteria", "check", str(_edited(tmp_path, edit)))
    assert result.exit_code == 1
    assert words in result.output


def test_check_fails_on_bad_yaml(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    result = run(app, "criteria", "check", str(bad))
    assert result.exit_code == 1 and "cannot read the YAML" in result.output


def test_check_fails_on_a_set_that_is_not_a_mapping(app, tmp_path):
    bad = tmp_path / "list.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    result = run(app, "criteria", "check", str(bad))
    assert result.exit_code == 1 and "a criteria set is a mapping" in result.output


# --- classify --------------------------------------------------------------------------------


def test_classify_prints_the_commune(app, tree, fact):
    fact("W1", "population", residents=1000, as_of=in_period())
    fact("G11", "use_venue", found_date=in_period(), description="Nhà Bí Mật")
    result = run(app, "classify", "W1")
    assert result.exit_code == 0, result.output
    start, end = period()
    assert f"{start:%d/%m/%Y} – {end:%d/%m/%Y}" in result.output
    assert "W1" in result.output and "b: 1 band type_2" in result.output
    assert "6.3: not met" in result.output


def test_classify_json_has_no_names(app, tree, fact):
    fact("W1", "population", residents=1000, as_of=in_period())
    fact("G11", "use_venue", found_date=in_period(), description="Nhà Bí Mật")
    result = run(app, "classify", "W1", "--json", "--period", str(current_year()))
    assert result.exit_code == 0, result.output
    assert '"classification": "type_3"' not in result.output  # b has no Type III
    assert '"type": "none"' in result.output and "Bí Mật" not in result.output


def test_classify_population_missing(app, tree):
    result = run(app, "classify", "W1")
    assert result.exit_code == 0 and "population missing" in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["classify", "NOPE"], "unknown area 'NOPE'"),
    (["classify", "G11"], "QĐ 28/2025"),
    (["classify", "W1", "--period", str(current_year() + 1)], str(current_year() + 1)),
    (["classify", "W1", "--period", "2020"], "2020"),
])
def test_classify_refuses(app, tree, args, words):
    result = run(app, *args)
    assert result.exit_code == 1 and words in result.output


def test_classify_without_a_code_is_a_usage_error(app, tree):
    assert run(app, "classify").exit_code == 2


# --- the API ---------------------------------------------------------------------------------


def test_api_classification_for_the_police(api_as, tree, fact, resident):
    fact("W1", "population", residents=200, as_of=in_period())
    person = resident("addict", name="Lò Văn Bí Mật")
    response = api_as(("police", "W1")).get("/api/v1/areas/W1/classification")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"]["to"] == period()[1].isoformat()
    assert body["criteria"][0]["band"] == "type_1" and body["type"] == "type_3"
    assert body["drug_free"]["met"] is False and body["classification"] == "type_3"
    breach = body["drug_free"]["criteria"][0]["evidence"][0]
    assert breach["label"] == "Lò Văn Bí Mật" and breach["url"] == f"/persons/{person.id}"


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_api_viewer_and_admin_see_no_names(api_as, tree, fact, resident, role):
    fact("W1", "population", residents=200, as_of=in_period())
    resident("addict", name="Lò Văn Bí Mật")
    fact("G11", "use_venue", found_date=in_period(), description="Nhà Bí Mật",
         note="Ghi chú riêng")
    response = api_as((role, "W1")).get("/api/v1/areas/W1/classification")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Bí Mật" not in text and "Ghi chú" not in text and "/persons/" not in text
    assert response.get_json()["drug_free"]["criteria"][0]["evidence"][0]["kind"] == "person"


def test_api_province(api_as, db, tree, fact):
    from casework.orgunits.services import create_orgunit

    province = tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["X1"] = create_orgunit("X1", "Xã Một", "commune", province)
    db.session.commit()
    response = api_as(("viewer", "P")).get("/api/v1/areas/P/classification")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert len(body["criteria"]) == 6 and body["key_province"] is False
    assert body["communes"]["total"] == 1


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/areas/W2/classification", 404),        # out of scope
    ("/api/v1/areas/NOPE/classification", 404),
    ("/api/v1/areas/W1/classification?period=abc", 422),
    ("/api/v1/areas/W1/classification?period=2020", 422),
    ("/api/v1/areas/W1/classification?period=99999", 422),
    ("/api/v1/areas/G11/classification", 422),       # a residential group is not judged
])
def test_api_errors(api_as, tree, url, status):
    response = api_as(("police", "W1")).get(url)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]


def test_api_period_not_begun_is_422_with_a_message(api_as, tree):
    year = current_year() + 1
    response = api_as(("police", "W1")).get(f"/api/v1/areas/W1/classification?period={year}")
    assert response.status_code == 422
    assert str(year) in response.get_json()["message"]


def test_api_a_past_period_counts_its_own_facts(api_as, tree, fact):
    start, _end = period()
    fact("W1", "population", residents=1000, as_of=start - timedelta(days=200))
    fact("G11", "use_venue", found_date=start - timedelta(days=100),
         resolved_date=start - timedelta(days=50))
    client = api_as(("police", "W1"))
    past = client.get(f"/api/v1/areas/W1/classification?period={current_year() - 1}")
    now = client.get("/api/v1/areas/W1/classification")
    assert past.get_json()["criteria"][1]["value"] == 1
    assert now.get_json()["criteria"][1]["value"] == 0


# --- the area page ---------------------------------------------------------------------------


def test_commune_page_shows_the_qd28_panel(page_as, tree, fact, resident):
    fact("G11", "use_venue", found_date=in_period(), description="Nhà Bí Mật")
    person = resident("addict", name="Lò Văn Bí Mật")
    html = page_as("police", "W1").get("/areas/W1").get_data(as_text=True)
    assert 'id="qd28"' in html and 'id="criteria"' in html
    assert 'id="qd28-population-missing"' in html
    assert f'href="/persons/{person.id}"' in html
    viewer = page_as("viewer", "W1").get("/areas/W1").get_data(as_text=True)
    assert 'id="qd28"' in viewer and "Bí Mật" not in viewer


def test_the_panel_is_only_on_communes(page_as, tree):
    html = page_as("police", "W1").get("/areas/G11").get_data(as_text=True)
    assert 'id="qd28"' not in html
