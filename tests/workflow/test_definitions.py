"""The definition format, its checks, and the four real definitions."""

from __future__ import annotations

import textwrap

import pytest

from casework.auth.roles import ROLES
from casework.resources import resource_dir
from casework.workflow.catalog import definition_files, load_catalog, load_definitions
from casework.workflow.definitions import DefinitionError
from casework.workflow.reader import parse_text
from casework.workflow.registry import registry
from tests.conftest import make_test_app

MINIMAL = """\
name: widget
version: 1
effective_from: 2024-01-01
title: {vi: Thử, en: Test}
initial: a
states:
  a: {vi: Trạng thái A, en: State A}
  b: {vi: Trạng thái B, en: State B, closed: true}
events:
  open: {vi: Mở, en: Open}
  go: {vi: Đi, en: Go}
transitions:
  - event: open
    source: new
    dest: a
    roles: [police]
  - event: go
    source: a
    dest: b
    roles: [police]
"""


def _problems(tmp_path, text: str, name: str = "widget.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    try:
        load_definitions([path], registry, set(ROLES))
    except DefinitionError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_the_minimal_definition_is_valid(tmp_path, app):
    assert _problems(tmp_path, MINIMAL) == []


def test_the_real_definitions_are_valid(app):
    catalog = load_catalog(resource_dir("workflows"))
    assert catalog.names() == ["area", "commune_review", "hotspot", "person", "recognition"]
    assert {(d.name, d.version) for d in catalog.all()} == {
        ("area", 1), ("commune_review", 1), ("hotspot", 1), ("person", 1), ("person", 2),
        ("recognition", 1)}
    assert str(catalog.get("person", 1).effective_from) == "2022-01-01"
    assert str(catalog.get("person", 2).effective_from) == "2026-07-01"


def test_workflows_check_command_passes_on_the_real_definitions(app):
    result = app.test_cli_runner().invoke(args=["workflows", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: 6 definition(s)" in result.output


def test_malformed_yaml_names_file_and_line(tmp_path, app):
    broken = MINIMAL.replace("  b: {vi: Trạng thái B", "   b: {vi: [Trạng thái B")
    problems = _problems(tmp_path, broken)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'widget.yaml'}:")
    assert "not valid YAML" in problems[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("roles: [police]\n  - event: go", "roles: [polise]\n  - event: go"),
         ":13: transition 'open': unknown role 'polise'"),
        (("dest: b\n", "dest: b\n    conditions: [no_such_rule]\n"),
         ":17: transition 'go': unknown rule 'no_such_rule'"),
        (("dest: b\n", "dest: b\n    effects: [no_such_effect]\n"),
         ":17: transition 'go': unknown effect 'no_such_effect'"),
        (("dest: b\n", "dest: b\n    data: no_such_schema\n"),
         ":17: transition 'go': unknown data schema 'no_such_schema'"),
        (("dest: b\n", "dest: c\n"), ":19: transition 'go': unknown dest state 'c'"),
        (("  - event: go\n    source: a", "  - event: go\n    source: z"),
         "transition 'go': unknown source state 'z'"),
        (("transitions:", "trasitions:"), "unknown key 'trasitions' in the workflow"),
        (("version: 1", "version: one"), ":2: version must be a whole number"),
        (("effective_from: 2024-01-01", "effective_from: soon"), ":3: effective_from must be"),
        (("  go: {vi: Đi, en: Go}\n", "  go: {vi: Đi, en: Go}\n  go: {vi: Đi, en: Go}\n"),
         ":12: not valid YAML: duplicate key 'go'"),
        (("  go: {vi: Đi, en: Go}\n", "  go: {vi: Đi}\n"), "event 'go' needs a non-empty 'en'"),
        (("  go: {vi: Đi, en: Go}\n", "  go: {vi: Đi, về, en: Go}\n"),
         ":11: event 'go': unexpected 'về' beside the vi/en labels (quote a label"),
        (("  go: {vi: Đi, en: Go}\n", "  go: {vi: Đi, en: Go}\n  stop: {vi: Dừng, en: Stop}\n"),
         "event 'stop' is declared but no transition uses it"),
    ],
)
def test_each_problem_is_named_with_file_and_line(tmp_path, app, change, expected):
    old, new = change
    assert old in MINIMAL
    problems = _problems(tmp_path, MINIMAL.replace(old, new, 1))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "widget.yaml")) for p in problems)


def test_unreachable_state_and_dead_end_are_rejected(tmp_path, app):
    text = MINIMAL.replace(
        "  b: {vi: Trạng thái B, en: State B, closed: true}\n",
        "  b: {vi: Trạng thái B, en: State B, closed: true}\n"
        "  lost: {vi: Lạc, en: Lost}\n",
    )
    problems = _problems(tmp_path, text)
    assert any("state 'lost' cannot be reached from 'a'" in p for p in problems), problems
    assert any("open state 'lost' has no way out" in p for p in problems), problems


def test_open_state_without_way_out_is_rejected(tmp_path, app):
    text = MINIMAL.replace("State B, closed: true}", "State B}")
    problems = _problems(tmp_path, text)
    assert any(":8: open state 'b' has no way out" in p for p in problems), problems


def test_two_transitions_that_could_both_fire_are_rejected(tmp_path, app):
    text = MINIMAL + (
        "  - event: go\n"
        "    source: a\n"
        "    dest: a\n"
        "    roles: [police]\n"
        "    conditions: [test_positive]\n"
    )
    problems = _problems(tmp_path, text)
    assert any("event 'go' from state 'a': the transitions at lines 17 and 21 could both fire"
               in p for p in problems), problems
    # With the opposite condition on the other transition the event is deterministic.
    fixed = text.replace("    dest: b\n    roles: [police]\n",
                         "    dest: b\n    roles: [police]\n    unless: [test_positive]\n")
    assert _problems(tmp_path, fixed) == []


def test_any_open_overlapping_an_explicit_source_is_ambiguous(tmp_path, app):
    text = MINIMAL + (
        "  - event: go\n    source: any open\n    internal: true\n    roles: [police]\n"
    )
    problems = _problems(tmp_path, text)
    assert any("event 'go' from state 'a'" in p and "could both fire" in p for p in problems)


def test_deadline_fields_must_come_from_an_entering_event(tmp_path, app):
    text = MINIMAL.replace(
        "  a: {vi: Trạng thái A, en: State A}\n",
        "  a:\n    vi: Trạng thái A\n    en: State A\n"
        "    deadline: {months: term, from: [start], label: {vi: Hạn, en: Due}}\n",
    )
    problems = _problems(tmp_path, text)
    assert any("reads field 'start'" in p for p in problems), problems
    assert any("reads field 'term'" in p for p in problems), problems


def test_versions_of_one_workflow_must_be_unique_and_ordered(tmp_path, app):
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        MINIMAL.replace("version: 1", "version: 2").replace("2024-01-01", "2023-01-01"),
        encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definitions(definition_files(tmp_path), registry, set(ROLES))
    text = str(caught.value)
    assert "version 1 is also defined in" in text
    assert "version 2 of 'widget' must take effect after version 1" in text


def test_a_bad_definition_stops_start_up(tmp_path):
    (tmp_path / "widget.yaml").write_text(
        MINIMAL.replace("roles: [police]\n  - event: go", "roles: [nobody]\n  - event: go"),
        encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        make_test_app("sqlite://", tmp_path / "instance", WORKFLOWS_DIR=str(tmp_path))
    assert "widget.yaml:13: transition 'open': unknown role 'nobody'" in str(caught.value)


def test_check_command_reports_bad_files_and_exits_1(tmp_path, app):
    bad = tmp_path / "widget.yaml"
    bad.write_text(MINIMAL.replace("dest: b\n", "dest: b\n    conditions: [nope]\n"),
                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["workflows", "check", str(bad)])
    assert result.exit_code == 1
    assert "unknown rule 'nope'" in result.output
    assert "1 problem(s)" in result.output


def test_parse_keeps_line_numbers_of_transitions():
    definition, problems = parse_text(MINIMAL, "widget.yaml")
    assert problems == []
    assert [t.line for t in definition.transitions] == [13, 17]


# --- principal dates (WORKFLOWS.md §8) --------------------------------------------------------

DATED = MINIMAL.replace("    dest: b\n    roles: [police]\n",
                        "    dest: b\n    roles: [police]\n"
                        "    data: {done_on: date, note: {type: text, required: false}}\n")


@pytest.mark.parametrize(("go", "expected"), [
    ("{vi: Đi, en: Go, date: done_on}", None),
    ("{vi: Đi, en: Go, date: note}", "event 'go': its date 'note' is not a date field of its "
                                     "data (date fields: done_on)"),
    ("{vi: Đi, en: Go, date: nowhere}", "event 'go': its date 'nowhere' is not a date field"),
    ("{vi: Đi, en: Go}", "event 'go' takes the date field(s) done_on but names none as its "
                         "date"),
    ("{vi: Đi, en: Go, date: Done On}", "the date of event 'go' must be a lower-case name"),
])
def test_an_event_names_a_date_field_of_its_data_as_its_date(tmp_path, app, go, expected):
    text = DATED.replace("{vi: Đi, en: Go}", go)
    problems = _problems(tmp_path, text)
    if expected is None:
        assert problems == []
        definition, _found = parse_text(text, "widget.yaml")
        assert definition.event_dates == {"go": "done_on"}
        assert str(definition.events["go"]) == "Đi"  # the date is not part of the labels
    else:
        assert any(expected in p for p in problems), problems


def test_an_event_without_a_date_field_names_none(tmp_path, app):
    problems = _problems(tmp_path, MINIMAL.replace("{vi: Mở, en: Open}",
                                                   "{vi: Mở, en: Open, date: opened_on}"))
    assert any("event 'open': its date 'opened_on' is not a date field of its data (it has "
               "no date field)" in p for p in problems), problems


def test_the_real_definitions_name_their_principal_dates(app):
    catalog = load_catalog(resource_dir("workflows"))
    assert catalog.get("person", 1).event_dates == {
        "record_test": "test_date", "decide_management": "decision_date",
        "check_residence": "check_date", "record_assessment": "assessment_date",
        "register_voluntary_rehab": "start_date", "start_methadone": "start_date",
        "complete_rehab": "completion_date", "stop_methadone": "stop_date",
        "record_court_decision": "decision_date", "release": "release_date",
        "exit": "exit_date"}
    assert catalog.get("area").event_dates == {
        "classify": "assessment_date", "recognize": "decision_date",
        "confirm_maintained": "review_date"}
    assert catalog.get("recognition").event_dates == {
        "evaluate": "inspection_date", "endorse": "meeting_date", "approve": "decision_date"}
    assert catalog.get("hotspot").event_dates == {
        "open": "found_date", "eliminate": "eliminated_date", "reemerge": "found_date"}


@pytest.mark.parametrize(("meta", "expected"), [
    ("meta:\n  chain: [a, b]\n  awaiting: {a: police}\n  request_state: a\n", None),
    ("meta:\n  chain: [a, c]\n", "meta 'chain': unknown state 'c'"),
    ("meta:\n  awaiting: {a: mayor}\n", "meta 'awaiting': unknown role 'mayor' for state 'a'"),
    ("meta:\n  request_state: [a]\n", "meta 'request_state' must be a state"),
    ("meta:\n  recognised: [b]\n", "unknown key 'recognised' in meta"),
])
def test_the_meta_block_names_states_and_roles_of_the_workflow(tmp_path, app, meta, expected):
    problems = _problems(tmp_path, MINIMAL + meta)
    if expected is None:
        assert problems == []
        path = tmp_path / "widget.yaml"
        meta_of = load_definitions([path], registry, set(ROLES)).get("widget").meta
        assert meta_of == {"chain": ("a", "b"), "awaiting": {"a": "police"}, "request_state": "a"}
    else:
        assert len(problems) == 1 and expected in problems[0], problems


def test_the_features_read_state_names_from_the_meta_blocks(app):
    catalog = load_catalog(resource_dir("workflows"))
    area, recognition = catalog.get("area").meta, catalog.get("recognition").meta
    assert area["recognized_states"] == ("drug_free", "maintained")
    assert area["request_state"] == "less_complex"
    assert recognition["chain"] == ("draft", "submitted", "evaluated", "endorsed", "approved")
    assert set(recognition["awaiting"]) == set(catalog.get("recognition").open_states)
