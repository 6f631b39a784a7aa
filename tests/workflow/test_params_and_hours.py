"""The law's terms as data (`params:`, with their provenance) and deadlines in hours
(WORKFLOWS.md §7)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from casework.db import LOCAL_TZ
from casework.workflow.deadlines import compute_due, compute_due_at, hours_start
from casework.workflow.definitions import Deadline
from casework.workflow.labels import Label
from casework.workflow.reader import parse_text

ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "workflows" / "person.v2.yaml"
LABEL = Label(vi="Hạn", en="Due")


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def test_every_provisional_term_of_version_2_names_its_basis_and_source():
    definition, problems = parse_text(V2.read_text(encoding="utf-8"), "person.v2.yaml")
    assert problems == []
    assert definition.param("rehab_first_months") == 24
    assert definition.param("rehab_repeat_months") == 36
    assert definition.param("court_months_adult") == [12, 24]
    unverified = [p for p in definition.parameters.values()
                  if p.provenance.verified is False]
    assert len(unverified) >= 10
    assert all(p.provenance.basis and p.provenance.source for p in unverified)


def test_every_provision_of_version_2_states_its_basis():
    """Law 120's text has not been read: a provision kept from version 1 restates version 1's
    article and is not verified (issue 15); none is left without a basis."""
    from casework.workflow import provenance

    definition, problems = parse_text(V2.read_text(encoding="utf-8"), "person.v2.yaml")
    assert problems == []
    items = provenance.listing([definition])
    assert "not_stated" not in {item.status for item in items}
    kept = [i for i in items if i.provenance.basis.startswith("Luật 120/2025/QH15 (điều khoản "
                                                               "chưa xác định); như Luật 73")]
    assert len(kept) >= 10 and all(i.provenance.source for i in kept)


def test_a_legal_officer_corrects_a_term_in_the_yaml_only():
    text = V2.read_text(encoding="utf-8")
    old = "  rehab_first_months:\n    value: 24\n"
    assert old in text
    corrected, problems = parse_text(
        text.replace(old, "  rehab_first_months:\n    value: 18\n"), "person.v2.yaml")
    assert problems == []
    assert corrected.param("rehab_first_months") == 18


def test_a_bad_parameter_is_a_problem():
    text = V2.read_text(encoding="utf-8").replace(
        "  rehab_repeat_months:\n    value: 36\n",
        "  rehab_repeat_months:\n    value: {many: 1}\n    oops: 1\n")
    definition, problems = parse_text(text, "person.v2.yaml")
    assert definition is None
    messages = " | ".join(p.message for p in problems)
    assert "rehab_repeat_months" in messages and "oops" in messages


def test_hours_count_from_the_moment_of_entry():
    deadline = Deadline("hours", 24, (), LABEL)
    received = vn("2026-12-02T09:30")
    assert compute_due_at(deadline, received, {}) == vn("2026-12-03T09:30")
    assert compute_due(deadline, received, {}) == vn("2026-12-03T09:30").date()


def test_a_date_without_a_time_starts_at_entry_that_day_else_at_2359():
    midnight = vn("2026-12-02T00:00")  # a date without a time
    same_day = datetime(2026, 12, 2, 7, 15, tzinfo=UTC)  # 14:15 in Vietnam
    assert hours_start(midnight, same_day) == vn("2026-12-02T14:15")
    next_day = datetime(2026, 12, 2, 17, 5, tzinfo=UTC)  # 00:05 on the 3rd in Vietnam
    assert hours_start(midnight, next_day) == vn("2026-12-02T23:59")


def test_a_day_deadline_falls_due_at_2359_of_its_day():
    deadline = Deadline("days", 10, (), LABEL)
    assert compute_due_at(deadline, vn("2026-12-01T08:00"), {}) == vn("2026-12-11T23:59")
