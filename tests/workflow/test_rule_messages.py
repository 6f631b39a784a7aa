"""A refused event says why in a sentence, once, and never shows the rule's code.

A rule that returns its own message gives it; one that only says no is put in a sentence
around its description ("This action is possible only when …"); an ``unless`` rule that
holds says that the action does not apply then. The code is in ``rule`` for programs, and
the message is not repeated in ``errors`` under it.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from casework.errors import RuleFailed
from casework.workflow import checks, engine
from tests.workflow.paths import DATA, fill

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")


def _refusal(call) -> dict:
    with pytest.raises(RuleFailed) as caught:
        call()
    return caught.value.to_dict()


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "This action is possible only when the city approves a recognition request for "
           "the area."),
    ("vi", "Thao tác này chỉ thực hiện được khi UBND thành phố phê duyệt hồ sơ đề nghị công "
           "nhận của địa bàn."),
])
def test_a_rule_that_only_says_no_is_put_in_a_sentence(reach, language, expected):
    area, driver = reach("area", "less_complex")
    with force_locale(language):
        refused = _refusal(lambda: driver.fire(area, "recognize", "city_authority",
                                               "recognize"))
    assert refused["message"] == expected
    assert refused["rule"] == "via_recognition_approval" and refused["errors"] == {}
    assert "via_recognition_approval" not in refused["message"]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "This action does not apply when the area is judged complex."),
    ("vi", "Không thực hiện được thao tác này khi địa bàn được đánh giá là phức tạp."),
])
def test_an_unless_rule_that_holds_says_the_action_does_not_apply(reach, actor, language,
                                                                  expected):
    area, driver = reach("area", "unassessed")
    definition = engine.definition_of(area)
    # Only the branch for a less complex area, offered data that say "complex".
    branch = next(t for t in definition.transitions
                  if t.event == "classify" and "level_complex" in t.unless)
    police = actor("police", "G11")
    context = engine.RuleContext(record=area, definition=definition, event="classify",
                                 actor=police, roles=frozenset({"police"}),
                                 effective_at=driver.clock, from_state=area.state)
    data = fill({**DATA["classify_complex"]}, driver.clock)
    with force_locale(language):
        refused = _refusal(lambda: checks.select(engine.get_catalog().registry, [branch], area,
                                                  data, context))
    assert refused["message"] == expected
    assert refused["rule"] == "level_complex" and refused["errors"] == {}


def test_a_rules_own_message_is_given_once(reach):
    record, driver = reach("person", "assessment")
    with force_locale("vi"):
        refused = _refusal(lambda: driver.fire(
            record, "record_assessment", "health",
            data=fill({**DATA["addicted"], "criteria_met": 2}, driver.clock)))
    assert refused["message"] == "Kết luận nghiện phải có ít nhất 3 tiêu chuẩn (mới có 2)."
    assert refused["errors"] == {} and refused["rule"] == "assessment_consistent"
