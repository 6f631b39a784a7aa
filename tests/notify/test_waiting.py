"""A recognition request waiting for the user's step becomes a reminder for that step's
officers, and a new one when it moves to the next step."""

from __future__ import annotations

from casework.notify.services import create_due
from casework.workflow.deadlines import today_local
from tests.notify.conftest import kinds_of, notes_of
from tests.recognition.test_chain_api import STEP_ROLE, _fire, _open


def test_a_recognition_request_waiting_for_my_step(chain, ready_area, make_user):
    ready_area("G11")
    make_user("inspector_d", ("inspector", "D"))   # another city's inspector
    body = _open(chain["police"])
    body = _fire(chain[STEP_ROLE["submit"]], body, "submit")
    create_due(today_local())
    waiting = [n for n in notes_of("api2") if n.kind == "waiting"]  # the city's inspector
    assert [n.url for n in waiting] == [f"/recognition/{body['id']}"]
    assert waiting[0].subject == "Tổ dân phố 1"  # a unit's name, no one's
    assert kinds_of("inspector_d") == []
    assert not [n for n in notes_of("api3") if n.kind == "waiting"]  # the committee: later
    create_due(today_local())  # once
    assert len([n for n in notes_of("api2") if n.kind == "waiting"]) == 1
    _fire(chain["inspector"], body, "evaluate")
    create_due(today_local())
    assert [n.kind for n in notes_of("api3")] == ["waiting"]  # now the committee's step
