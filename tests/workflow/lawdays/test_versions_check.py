"""`workflows check` on versions, `workflows provenance`, and a term corrected in the YAML."""

from __future__ import annotations

from datetime import date

import pytest

from casework.auth.roles import ROLES
from casework.workflow import engine
from casework.workflow.catalog import load_definitions
from casework.workflow.definitions import DefinitionError
from casework.workflow.registry import registry
from tests.workflow.lawdays.conftest import TOY_FILES, Permit, load_with, vn

V1, V2 = (path.read_text(encoding="utf-8") for path in TOY_FILES)


def problems_of(tmp_path, *texts):
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"permit{i}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    with pytest.raises(DefinitionError) as failed:
        load_definitions(files, registry, set(ROLES))
    return "\n".join(str(p) for p in failed.value.problems)


def test_the_toy_versions_are_valid():
    catalog = load_definitions(TOY_FILES, registry, set(ROLES))
    assert catalog.version_on("permit", date(2021, 12, 31)) is None
    assert catalog.version_on("permit", date(2026, 6, 30)).version == 1
    assert catalog.version_on("permit", date(2026, 7, 1)).version == 2
    v2 = catalog.get("permit", 2)
    assert str(v2.law) == "Luật thử 120" and v2.parameter("renewals_allowed") == 1
    assert v2.state_for("pending") == "waiting"


def test_two_versions_on_the_same_day_are_an_error(tmp_path):
    text = problems_of(tmp_path, V1, V2.replace("effective_from: 2026-07-01",
                                                 "effective_from: 2022-01-01"))
    assert "take effect on the same day (2022-01-01)" in text


def test_a_removed_open_state_must_be_mapped(tmp_path):
    text = problems_of(tmp_path, V1, V2.replace("from_previous: {pending: waiting}\n", ""))
    assert "lacks the open state 'pending' of version 1" in text
    text = problems_of(tmp_path, V1, V2.replace("{pending: waiting}", "{pending: nowhere}"))
    assert "'pending' becomes 'nowhere', which is not a state here" in text


def test_provenance_is_checked(tmp_path):
    text = problems_of(tmp_path, V1, V2.replace("    basis_source: báo chí (chưa có văn bản)\n",
                                                 ""))
    assert "an unverified provision needs its basis_source" in text
    text = problems_of(tmp_path, V1.replace("verified: true", "verified: maybe", 1), V2)
    assert "verified must be true or false" in text


def test_provenance_lists_unverified_first(app, permits):
    result = app.test_cli_runner().invoke(args=["workflows", "provenance", "permit"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    statuses = [line.split()[0] for line in lines[:-1]]
    assert statuses == sorted(statuses, key=["unverified", "not_stated", "verified"].index)
    assert statuses[0] == "unverified" and "verified" in statuses
    assert "basis: Luật thử 120 Điều 4" in result.output
    assert "source: báo chí (chưa có văn bản)" in result.output
    assert "permit v2 (Luật thử 120)" in result.output
    assert result.output.splitlines()[-1].startswith(f"{len(lines) - 1} provision(s):")
    unknown = app.test_cli_runner().invoke(args=["workflows", "provenance", "nope"])
    assert unknown.exit_code == 1


def test_check_warns_of_unverified_provisions_and_succeeds(app):
    result = app.test_cli_runner().invoke(args=["workflows", "check"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "not verified against the official text" \
        in result.output


def test_a_legal_officer_corrects_a_term_in_the_yaml(app, db, monkeypatch, tmp_path, tree,
                                                      actor, permits):
    """The official text says 36 months, not 24: one line of YAML, no code."""
    assert _granted_in_july(tree, actor).due_date == date(2028, 7, 10)
    corrected = V2.replace("months: 24", "months: 36").replace(
        "      source: báo chí (chưa có văn bản)\n      verified: false",
        "      source: Luật thử 120, bản chính thức\n      verified: true")
    assert corrected != V2
    catalog = load_with(app, monkeypatch, TOY_FILES[0], corrected, tmp_path=tmp_path)
    assert catalog.get("permit", 2).states["active"].deadline.provenance.verified is True
    assert _granted_in_july(tree, actor).due_date == date(2029, 7, 10)


def _granted_in_july(tree, actor):
    permit = Permit(org_unit=tree["G11"])
    engine.open_record(permit, actor("police"), effective_at=vn("2026-07-05"))
    engine.fire(permit, "grant", actor("police"), data={"grant_date": "2026-07-10"})
    return permit


def test_the_api_describes_law_and_provenance(api_as, permits):
    body = api_as(("police", "W1")).get("/api/v1/workflows/permit?version=2").get_json()
    assert body["law"] == {"vi": "Luật thử 120", "en": "Test law 120"}
    assert body["from_previous"] == {"pending": "waiting"}
    grant = next(t for t in body["transitions"] if t["event"] == "grant")
    assert grant["provenance"] == {"basis": "Luật thử 120 Điều 4",
                                   "source": "báo chí (chưa có văn bản)", "verified": False}
    active = next(s for s in body["states"] if s["code"] == "active")
    assert active["deadline"]["provenance"]["verified"] is False
    assert body["parameters"][0]["code"] == "renewals_allowed"
