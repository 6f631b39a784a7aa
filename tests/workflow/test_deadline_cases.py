"""A state's deadline as cases (WORKFLOWS.md §8): by the event that entered the state and
by values of its data, checked by `workflows check`, and the person workflow's own cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import due_date_for
from tests.workflow.test_definitions import MINIMAL, _problems

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

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
    from casework.workflow.reader import parse_text

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


# --- the person workflow (WORKFLOWS.md §8) -----------------------------------------------------

# Friday 24 January 2025, the last working day before Tết: the 9th working day after it is
# Thursday 13 February, the 16th Monday 24 February (Tết ran from 27 January to 1 February).
TET_EVE = date(2025, 1, 24)


@pytest.mark.parametrize(
    ("remote", "due", "late"),
    [(False, date(2025, 2, 13), date(2025, 2, 14)), (True, date(2025, 2, 24), date(2025, 2, 25))],
)
def test_positive_has_9_working_days_or_16_in_a_remote_commune(app, remote, due, late):
    """Decree 105 Art 41.1 (3 working days, 10 where remote) + 41.5 (3) + 42.1 (3)."""
    definition = get_catalog().get("person", 1)
    entered = datetime(2025, 1, 24, 2, tzinfo=UTC)
    data = {"test_date": TET_EVE, "remote_commune": remote}
    got = due_date_for(definition, "positive", entered, data, "record_test")
    assert got == due
    assert got < late  # the next working day is late
    # Without the flag (an imported record, say) the usual 9 working days apply.
    if not remote:
        assert due_date_for(definition, "positive", entered, {"test_date": TET_EVE}) == due


def test_managed_user_awaits_a_new_decision_after_not_addicted(app):
    """Decree 105 Art 43.2: 3 working days for the new decision after a "not addicted"
    assessment; 12 months from a decision (Law Art 23.2)."""
    definition = get_catalog().get("person")
    entered = datetime(2025, 4, 25, 2, tzinfo=UTC)
    # Friday 25 April 2025, before the 30 April and 1 May holidays (and the 2 May bridge).
    assessed = {"assessment_date": date(2025, 4, 25), "addicted": False}
    assert due_date_for(definition, "managed_user", entered, assessed,
                        "record_assessment") == date(2025, 5, 5)
    decided = {"decision_date": date(2025, 4, 25)}
    assert due_date_for(definition, "managed_user", entered, decided,
                        "decide_management") == date(2026, 4, 25)
    cases = [d.kind for d in definition.states["managed_user"].deadlines]
    assert cases == ["new_decision", None]
