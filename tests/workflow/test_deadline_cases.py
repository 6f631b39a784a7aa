"""A state's deadline as cases (WORKFLOWS.md §8): by the event that entered the state and
by values of its data, checked by `workflows check`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workflow.deadlines import due_date_for
from tests.workflow.test_definitions import MINIMAL, _problems

CASES = """\
  a:
    vi: Trạng thái A
    en: State A
    deadline:
      - kind: quick
        when: {urgent: true}
        days: 1
        label: {vi: Gấp, en: Urgent}
      - days: 10
        label: {vi: Thường, en: Usual}
"""
TAKES_URGENT = """    roles: [police]
    data:
      urgent: bool
"""


def _with_cases(cases: str = CASES) -> str:
    text = MINIMAL.replace("  a: {vi: Trạng thái A, en: State A}\n", cases)
    # The creating event takes the `urgent` field the first case reads.
    return text.replace("    dest: a\n    roles: [police]\n", "    dest: a\n" + TAKES_URGENT, 1)


def test_cases_of_a_deadline_are_valid(tmp_path, app):
    assert _problems(tmp_path, _with_cases()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # Only the last case may apply always, and it must.
        (("      - kind: quick\n        when: {urgent: true}\n", "      - kind: quick\n"),
         "only the last case may apply always"),
        (("      - days: 10\n", "      - days: 10\n        when: {urgent: false}\n"),
         "the last case is the default"),
        # What a case reads must come from an event that enters the state.
        (("when: {urgent: true}", "when: {hurried: true}"), "reads field 'hurried'"),
        (("when: {urgent: true}", "entered_by: [go]"),
         "applies when 'go' enters it, which it never does"),
        (("when: {urgent: true}", "when: {urgent: [1, 2]}"),
         "when must map data fields to plain values"),
        (("      - kind: quick\n", "      - kind: a\n"), "the kind 'a' names two cases"),
    ],
)
def test_each_problem_of_the_cases_is_named(tmp_path, app, change, expected):
    old, new = change
    text = _with_cases()
    assert old in text
    problems = _problems(tmp_path, text.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_the_first_case_that_applies_wins(tmp_path, app):
    from casework.workflow.definitions import parse_text

    definition, problems = parse_text(_with_cases(), "widget.yaml")
    assert problems == []
    state = definition.states["a"]
    assert state.deadline_for("open", {"urgent": True}).kind == "quick"
    assert state.deadline_for("open", {"urgent": False}).label.en == "Usual"
    assert state.deadline_for(None, {}).label.en == "Usual"
    assert state.deadline is state.deadlines[-1]
    entered = datetime(2025, 3, 3, 3, tzinfo=UTC)
    assert due_date_for(definition, "a", entered, {"urgent": True}, "open") == date(2025, 3, 4)
    assert due_date_for(definition, "a", entered, {}, "open") == date(2025, 3, 13)
