"""Property tests: random events by random roles with random data, over every definition.

Whatever happens, the state is a declared one; a successful event adds exactly one to the
version and one audit entry; a rejected event changes nothing; the chain always verifies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.auth.roles import ROLES
from casework.errors import CaseworkError
from casework.recognition.schemas import CRITERIA
from casework.workflow import engine
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import LOCAL_TZ

WORKFLOWS = ["person", "area", "recognition", "hotspot"]
UNIT_CODES = ["C", "W1", "W2", "G11", "G12", "G21", "D"]

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 1, 1))


def _field_strategy(spec):
    """Valid values for one inline field (the rules may still refuse them)."""
    if spec.type in ("string", "text"):
        if spec.name == "to_area_code":
            return st.sampled_from(UNIT_CODES + ["NOPE"])
        return st.text(min_size=1, max_size=12)
    if spec.type == "int":
        lo = spec.min if spec.min is not None else 0
        hi = spec.max if spec.max is not None else 40
        return st.integers(min_value=lo, max_value=hi)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "date":
        return dates.map(date.isoformat)
    if spec.type == "choice":
        return st.sampled_from(list(spec.choices))
    item = (st.sampled_from(list(spec.choices)) if spec.choices
            else st.text(min_size=1, max_size=8))
    return st.lists(item, min_size=1, max_size=3)


OUT_OF_RANGE = ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31")
JUNK = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just("\x00"),
                 st.lists(st.integers(), max_size=2), st.integers(min_value=2**31),
                 st.sampled_from([*OUT_OF_RANGE, "\u202e", "a\u200bb"]))
# Moments no event can have: the ends of Python's calendar (comparing them across zones
# overflows), and before 1900.
ABSURD = st.sampled_from([None] * 15 + [datetime(1, 1, 1, tzinfo=LOCAL_TZ),
                                        datetime(9999, 12, 31, 23, tzinfo=UTC),
                                        datetime(1899, 12, 31, 12, tzinfo=UTC)])


def _judgements():
    return st.fixed_dictionaries({
        code: st.fixed_dictionaries({"met": st.sampled_from([True, True, True, False])})
        for code in CRITERIA
    })


def _data_strategy(transition):
    spec = transition.data
    if spec.schema_name == "recognition_self_assessment":
        return st.fixed_dictionaries({"self_assessment": _judgements()})
    if spec.schema_name == "recognition_evaluation":
        return st.fixed_dictionaries({
            "inspection_date": dates.map(date.isoformat),
            "minutes_no": st.text(min_size=1, max_size=10),
            "verdicts": _judgements(),
        })
    required = {f.name: _field_strategy(f) for f in spec.fields if f.required}
    optional = {f.name: _field_strategy(f) for f in spec.fields if not f.required}
    valid = st.fixed_dictionaries(required, optional=optional)
    # One time in five, break the data: a field dropped, replaced by junk, or one added.
    broken = st.tuples(valid, st.sampled_from(["drop", "junk", "extra"]), JUNK).map(_break)
    return st.one_of(valid, valid, valid, valid, broken)


def _break(args):
    data, how, junk = args
    data = dict(data)
    if how == "extra" or not data:
        data["unexpected_field"] = junk
    elif how == "drop":
        data.pop(sorted(data)[0])
    else:
        data[sorted(data)[0]] = junk
    return data


def _entries(db, record) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id)
    )


def _machine_for(workflow, db, records, tree, users):
    definition = get_catalog().get(workflow)
    events = sorted(definition.events) + ["no_such_event"]

    class WorkflowMachine(RuleBasedStateMachine):
        record = None

        @initialize(birth=dates, unit=st.sampled_from(["G11", "G12", "G21"]))
        def open(self, birth, unit):
            self.clock = datetime.now(UTC) - timedelta(days=3000)
            model = records[workflow]
            person = {"birth_date": birth - timedelta(days=365 * 14), "full_name": "Người Thử",
                      "name_folded": "nguoi thu", "gender": "male"}
            columns = {k: v for k, v in person.items() if hasattr(model, k)}
            self.record = model(org_unit=tree[unit], **columns)
            opener = users[("police", "C")]
            engine.open_record(self.record, opener, effective_at=self.clock)
            db.session.flush()
            self.fired = 1

        @rule(reason=st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=20)),
              wait=st.integers(min_value=-3, max_value=400), draw=st.data(),
              stale=st.sampled_from([False] * 19 + [True]), absurd=ABSURD)
        def fire(self, reason, wait, draw, stale, absurd):
            record = self.record
            # Mostly an event of the current state by a user holding one of its roles; now
            # and then anything at all, by anyone.
            possible = definition.events_from(record.state)
            if possible and draw.draw(st.integers(0, 4)) > 0:
                event = draw.draw(st.sampled_from(possible))
                roles = sorted({r for t in definition.transitions_from(record.state, event)
                                for r in t.roles})
                who = (draw.draw(st.sampled_from(roles)),
                       draw.draw(st.sampled_from(["C", "C", "C", "W2"])))
            else:
                event = draw.draw(st.sampled_from(events))
                who = draw.draw(st.sampled_from(sorted(users)))
            candidates = definition.transitions_from(record.state, event) or [
                t for t in definition.transitions if t.event == event and not t.creates]
            data = draw.draw(_data_strategy(candidates[0])) if candidates else {}
            date_fields = {f.name for f in candidates[0].data.fields
                           if f.type == "date"} if candidates else set()
            impossible = absurd is not None or any(data.get(name) in OUT_OF_RANGE
                                                   for name in date_fields)
            when = absurd or min(self.clock + timedelta(days=wait), datetime.now(UTC))
            before = (record.state, record.version, _entries(db, record))
            try:
                engine.fire(record, event, users[who], data=data, reason=reason,
                            effective_at=when,
                            version=record.version - 1 if stale else record.version)
            except CaseworkError as exc:
                assert exc.code in {"not_permitted", "invalid_event", "validation_error",
                                    "rule_failed", "stale_version"}
                assert (record.state, record.version, _entries(db, record)) == before
                return
            assert not stale and not impossible
            assert record.version == before[1] + 1
            assert _entries(db, record) == before[2] + 1
            self.clock = when
            self.fired += 1

        @invariant()
        def state_is_declared(self):
            if self.record is not None:
                assert self.record.state in definition.states
                assert self.record.workflow_version == definition.version

        @invariant()
        def chain_verifies(self):
            if self.record is None:
                return
            chain = audit.history_of(self.record)
            assert len(chain) == self.record.version == self.fired
            assert audit._check_chain(self.record.__record_type__, self.record.id, chain) == []

    return WorkflowMachine


@pytest.fixture
def users(make_user, tree):
    """One user per role over the whole city, and one per role over another ward only."""
    made = {}
    for role in ROLES:
        made[(role, "C")] = make_user(f"prop.{role}.c", (role, "C"))
        made[(role, "W2")] = make_user(f"prop.{role}.w2", (role, "W2"))
    return made


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_random_events_keep_every_invariant(db, records, tree, users, workflow):
    machine = _machine_for(workflow, db, records, tree, users)
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=30, stateful_step_count=40, deadline=None,
                          database=None, suppress_health_check=list(HealthCheck)),
    )
    # Across all examples, the whole log still verifies.
    assert audit.verify().ok
