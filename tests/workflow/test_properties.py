"""Property tests: random events by random roles with random data, over every definition.

Whatever happens, the state is a declared one; a successful event adds exactly one to the
version and one audit entry; a rejected event changes nothing; the chain always verifies.

Dates are generated too, around the record's own dates, today and 2026-07-01, when person
version 2 (Law 120/2025) replaced version 1 (a year, a month, a day either side, and anywhere
from 2015): the dates of the event's data, and its effective_at
(left out, a date without a time, a moment, or absurd). No event with an impossible date is
ever accepted (WORKFLOWS.md §8): after every step the stored history is read back, and no
date of any event is in the future, before the record was opened, before the event that
entered the state it was fired in, nor effective_at before the previous event. Every entry
names the version in force on its day, and the record the version of its newest entry: a
person opened in June 2026 walks across the change of law.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

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

from casework.areas.criteria import CRITERIA
from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.auth.roles import ROLES
from casework.errors import CaseworkError
from casework.workflow import engine
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import LOCAL_TZ, local_date, today_local

WORKFLOWS = ["person", "area", "recognition", "hotspot"]
UNIT_CODES = ["C", "W1", "W2", "G11", "G12", "G21", "D"]

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 1, 1))
LAW_CHANGE = date(2026, 7, 1)  # person version 2 takes effect
OFFSETS = st.one_of(st.sampled_from([-400, -365, -31, -1, 0, 0, 0, 1, 31, 365]),
                    st.integers(min_value=-60, max_value=60))


def _days_around(anchors: list[date]):
    """Days near the record's own dates and today, and now and then any day since 2015."""
    near = st.tuples(st.sampled_from(anchors), OFFSETS).map(
        lambda pair: pair[0] + timedelta(days=pair[1]))
    return st.one_of(near, near, near, dates)


# Text the schemas take (the junk below tries the rest).
TEXT = st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1,
               max_size=12)


def _field_strategy(spec, days=dates):
    """Valid values for one inline field (the rules may still refuse them)."""
    if spec.type in ("string", "text"):
        if spec.name == "to_area_code":
            return st.sampled_from(UNIT_CODES + ["NOPE"])
        return TEXT
    if spec.type == "int":
        lo = spec.min if spec.min is not None else 0
        hi = spec.max if spec.max is not None else 40
        return st.integers(min_value=lo, max_value=hi)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "date":
        return days.map(date.isoformat)
    if spec.type == "choice":
        return st.sampled_from(list(spec.choices))
    item = st.sampled_from(list(spec.choices)) if spec.choices else TEXT
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
    """Half the time all 8 met (so that the chain goes on), else each met or not."""
    return st.one_of(
        st.just({code: {"met": True} for code in CRITERIA}),
        st.fixed_dictionaries({
            code: st.fixed_dictionaries({"met": st.sampled_from([True, True, True, False])})
            for code in CRITERIA
        }))


def _data_strategy(transition, days=dates):
    spec = transition.data
    if spec.schema_name == "recognition_self_assessment":
        return st.fixed_dictionaries({"self_assessment": _judgements()})
    if spec.schema_name == "recognition_evaluation":
        return st.fixed_dictionaries({
            "inspection_date": days.map(date.isoformat),
            "minutes_no": TEXT,
            "verdicts": _judgements(),
        })
    required = {f.name: _field_strategy(f, days) for f in spec.fields if f.required}
    optional = {f.name: _field_strategy(f, days) for f in spec.fields if not f.required}
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


def _date_fields(transition) -> set[str]:
    if transition.data.schema_name == "recognition_evaluation":
        return {"inspection_date"}
    return {f.name for f in transition.data.fields if f.type == "date"}


def _has_time(moment: datetime) -> bool:
    return moment.astimezone(LOCAL_TZ).time() != time(0)


def _before(moment: datetime, other: datetime) -> bool:
    """The order of §8: by calendar date in Vietnam when either has no time."""
    if _has_time(moment) and _has_time(other):
        return moment < other
    return local_date(moment) < local_date(other)


def _iso_day(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _impossible_dates(definition, event, record, transition, data, when, opened: date) -> bool:
    """Whether §8 forbids the event's dates (as the test reads the contract)."""
    today = today_local()
    entered = local_date(record.state_entered_at)
    birth = getattr(record, "birth_date", None)
    days = [d for d in (_iso_day(data.get(n)) for n in _date_fields(transition)) if d]
    if any(d > today or d < opened or d < entered or (birth and d < birth) for d in days):
        return True
    principal = _iso_day(data.get(definition.event_dates.get(event, "")))
    if when is None:
        moment = (datetime.combine(principal, time(0), tzinfo=LOCAL_TZ) if principal
                  else datetime.now(UTC))
    else:
        moment = when if isinstance(when, datetime) else datetime.combine(
            when, time(0), tzinfo=LOCAL_TZ)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LOCAL_TZ)
        if moment.year < 1900 or moment.year > 2100:
            return True
        if (moment > datetime.now(UTC) or local_date(moment) < entered
                or (principal and local_date(moment) < principal)
                or (birth and local_date(moment) < birth)):
            return True
    return _before(moment, record.last_event_at)


def _history_dates_are_possible(definitions, record, chain) -> None:
    """Read back from the log: no date of any event in the future (of the day it was
    recorded), before the opening, before the event that entered the state it was fired in;
    no effective_at before the previous event."""
    fields = {}
    for t in (t for definition in definitions for t in definition.transitions):
        fields.setdefault(t.event, set()).update(_date_fields(t))
    opened = local_date(chain[0].effective_at)
    entered = opened
    last = chain[0].effective_at
    birth = getattr(record, "birth_date", None)
    for entry in chain[1:]:
        recorded = local_date(entry.recorded_at)
        for name in fields.get(entry.event, ()):
            day = _iso_day((entry.data or {}).get(name))
            if day is None:
                continue
            assert opened <= day <= recorded, (entry.event, name, day, opened, recorded)
            assert day >= entered, (entry.event, name, day, entered)
            assert birth is None or day >= birth
        assert entry.effective_at <= entry.recorded_at
        assert not _before(entry.effective_at, last), (entry.event, entry.effective_at, last)
        assert local_date(entry.effective_at) >= entered
        if entry.to_state != entry.from_state:
            entered = local_date(entry.effective_at)
        last = max(last, entry.effective_at)


def _entries(db, record) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id)
    )


def _machine_for(workflow, db, records, tree, users):
    # The clock starts soon after the first version took effect, or a few days before the
    # second one does: each event is judged by the version in force on its day.
    catalog = get_catalog()
    versions = [catalog.get(workflow, v) for v in catalog.versions(workflow)]
    events = sorted({e for d in versions for e in d.events}) + ["no_such_event"]
    starts = [versions[0].effective_from + timedelta(days=20)] + [
        d.effective_from - timedelta(days=6) for d in versions[1:]]

    class WorkflowMachine(RuleBasedStateMachine):
        record = None
        accepted = ACCEPTED.setdefault(workflow, set())

        @initialize(birth=dates, unit=st.sampled_from(["G11", "G12", "G21"]),
                    submitted=st.booleans(), start=st.sampled_from(starts))
        def open(self, birth, unit, submitted, start):
            # Opened after the first version took effect: nothing is judged before it.
            self.clock = datetime.combine(start, time(9), tzinfo=LOCAL_TZ)
            model = records[workflow]
            person = {"birth_date": birth - timedelta(days=365 * 14), "full_name": "Người Thử",
                      "name_folded": "nguoi thu", "gender": "male"}
            columns = {k: v for k, v in person.items() if hasattr(model, k)}
            self.record = model(org_unit=tree[unit], **columns)
            opener = users[("police", "C")]
            engine.open_record(self.record, opener, effective_at=self.clock)
            db.session.flush()
            self.fired = 1
            self.opened = local_date(self.clock)
            if workflow == "recognition" and submitted:
                # Half the requests start submitted, so that the dated steps are tried often.
                engine.fire(self.record, "submit", opener, data={"self_assessment": {
                    code: {"met": True} for code in CRITERIA}},
                    effective_at=self.clock + timedelta(days=30))
                self.fired += 1

        @rule(reason=st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=20)),
              draw=st.data(), stale=st.sampled_from([False] * 19 + [True]), absurd=ABSURD)
        def fire(self, reason, draw, stale, absurd):
            record = self.record
            # Drawn from the record's version; the engine judges by the version of the day.
            definition = catalog.get(workflow, record.workflow_version)
            # Mostly an event of the current state by a user holding one of its roles; now
            # and then anything at all, by anyone.
            possible = definition.events_from(record.state)
            if possible and draw.draw(st.integers(0, 4)) > 0:
                # Events with a date of their own weigh three times: their dates are tried.
                event = draw.draw(st.sampled_from(
                    possible + [e for e in possible if e in definition.event_dates] * 2))
                roles = sorted({r for t in definition.transitions_from(record.state, event)
                                for r in t.roles})
                who = (draw.draw(st.sampled_from(roles)),
                       draw.draw(st.sampled_from(["C", "C", "C", "W2"])))
            else:
                event = draw.draw(st.sampled_from(events))
                who = draw.draw(st.sampled_from(sorted(users)))
            candidates = definition.transitions_from(record.state, event) or [
                t for t in definition.transitions if t.event == event and not t.creates]
            days = _days_around([self.opened, local_date(record.state_entered_at),
                                 local_date(record.last_event_at), today_local(), LAW_CHANGE])
            data = draw.draw(_data_strategy(candidates[0], days)) if candidates else {}
            date_fields = _date_fields(candidates[0]) if candidates else set()
            # effective_at: mostly left out when the event has a date of its own (it is that
            # date), mostly given otherwise (left out, it is now, and every later date must be
            # today: the walk would stop there).
            timing = draw.draw(st.sampled_from(
                ["left out"] * 3 + ["a date", "a moment"] if event in definition.event_dates
                else ["left out", "a date", "a date", "a moment", "a moment"]))
            if absurd is not None:
                when = absurd
            elif timing == "a date":
                when = draw.draw(days)
            elif timing == "a moment":
                when = datetime.combine(draw.draw(days), time(0), tzinfo=LOCAL_TZ) + timedelta(
                    minutes=draw.draw(st.integers(min_value=0, max_value=24 * 60 - 1)))
            else:
                when = None
            impossible = absurd is not None or any(data.get(name) in OUT_OF_RANGE
                                                   for name in date_fields)
            if candidates and not impossible:
                impossible = _impossible_dates(definition, event, record, candidates[0], data,
                                               when, self.opened)
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
            assert not stale and not impossible, (event, data, when)
            assert record.version == before[1] + 1
            assert _entries(db, record) == before[2] + 1
            self.fired += 1
            self.accepted.add(event)

        @invariant()
        def state_is_declared(self):
            if self.record is not None:
                record = self.record
                assert record.state in catalog.get(workflow, record.workflow_version).states

        @invariant()
        def each_entry_names_the_law_of_its_day(self):
            if self.record is None:
                return
            chain = audit.history_of(self.record)
            for entry in chain:
                found = catalog.version_on(workflow, local_date(entry.effective_at))
                assert entry.workflow_version == found.version, (entry.event, entry.effective_at)
                VERSIONS_SEEN.setdefault(workflow, set()).add(entry.workflow_version)
            assert self.record.workflow_version == chain[-1].workflow_version

        @invariant()
        def chain_verifies(self):
            if self.record is None:
                return
            chain = audit.history_of(self.record)
            assert len(chain) == self.record.version == self.fired
            assert audit._check_chain(self.record.__record_type__, self.record.id, chain) == []

        @invariant()
        def no_stored_date_is_impossible(self):
            if self.record is not None:
                _history_dates_are_possible(versions, self.record,
                                            audit.history_of(self.record))

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
    # The dates generated are possible often enough that dated events do happen.
    dated = {e for e in get_catalog().first(workflow).event_dates if e != "open"}
    assert ACCEPTED[workflow] & dated, ACCEPTED[workflow]
    # Every version of the workflow judged some event (the person's both laws).
    assert VERSIONS_SEEN[workflow] == set(get_catalog().versions(workflow))


ACCEPTED: dict[str, set[str]] = {}
VERSIONS_SEEN: dict[str, set[int]] = {}
