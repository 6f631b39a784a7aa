"""Transitions per second through the engine, against the ORM session's floor and plain SQL.

    python bench/transitions.py                  # SQLite in a temporary file
    python bench/transitions.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db
    python bench/transitions.py URL --rounds 80 --block 25   # (40 rounds of 25 by default)

Three ways of making the same state changes, one transaction per transition, in the same
process and database:

- engine: load the record with ``session.get``, ``fire()`` it (role and scope of a real user,
  the event's data through its marshmallow schema, two rules, the shared transitions machine,
  the optimistic version check) and append the hash-chained audit entry with the actor and
  the reason, then commit;
- the ORM-session floor: the same ``session.get`` and commit, and between them what the ORM
  does by itself for the same change: the record's new state and times set as attributes and
  one log row ``session.add``-ed, written by the commit's flush (the record's UPDATE with its
  ``version_id_col`` check, the log row's INSERT). No checks, no schema, no rules, no hash:
  what an event costs before the engine does anything of its own;
- plain SQL: ``SELECT ... FOR UPDATE`` (a plain SELECT on SQLite), ``UPDATE`` the state and
  version, ``INSERT`` a log row with the data as JSON, commit.

The headline is engine ÷ ORM-session floor (the target: 0.7 or more on PostgreSQL); engine ÷
plain SQL is printed for information. The contenders take turns in short rounds in rotating
order, and each figure is the median of the per-round ratios with its quartiles (see
bench/common.py, shared with bench/peers.py).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# This file is named like the `transitions` package the engine imports: take its folder off
# the import path, and put the repository (for bench.common) and its src/ on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path[:0] = [str(_HERE.parent), str(_HERE.parent / "src")]

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    REASON,
    RECORDS,
    BenchBase,
    BenchCase,
    arguments,
    casework_app,
    engine_block,
    load_actor,
    measure,
    next_state,
    prepare_cases,
    rate,
    ratio,
    step,
)

# The plain-SQL side: a row with a state and a version, and its log.
plain_rows = sa.Table(
    "bench_plain_rows", BenchBase.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


def _log_table(name: str) -> sa.Table:
    return sa.Table(
        name, BenchBase.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(40)),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("record_id", "seq"),
    )


plain_log = _log_table("bench_plain_log")


class FloorLogRow(BenchBase):
    """A log row of the ORM-session floor, written by the session's flush."""

    __table__ = _log_table("bench_floor_log")


def _log_values(record_id: int, seq: int, event: str, state: str, to: str, actor_id: int,
                data: dict) -> dict:
    return {"record_id": record_id, "seq": seq, "event": event, "from_state": state,
            "to_state": to, "actor_id": actor_id, "reason": REASON, "data": dict(data),
            "recorded_at": datetime.now(UTC)}


def floor_block(ids: list[int], actor_id: int):
    """Each transition: the engine's load and commit, and in between the ORM's own writes of
    the same change: the record's attributes set, one log row added, the commit's flush."""
    from casework.extensions import db

    def block(start: int, n: int) -> float:
        session = db.session
        began = time.perf_counter()
        for i in range(start, start + n):
            record = session.get(BenchCase, ids[i % len(ids)])
            state = record.state
            event, data = step(i, state)
            to = next_state(state, data)
            now = datetime.now(UTC)
            record.state = to
            record.state_entered_at = now
            record.last_event_at = now
            # version_id_col: UPDATE ... SET version = version + 1 WHERE id = ? AND version = ?
            session.add(FloorLogRow(**_log_values(record.id, record.version + 1, event, state,
                                                  to, actor_id, data)))
            session.commit()
        elapsed = time.perf_counter() - began
        session.remove()
        return elapsed

    return block


def plain_block(engine, ids: list[int], actor_id: int):
    """Each transition: SELECT ... FOR UPDATE, UPDATE, INSERT, COMMIT on one connection."""
    select = sa.select(plain_rows.c.state, plain_rows.c.version).where(
        plain_rows.c.id == sa.bindparam("rid"))
    if engine.dialect.name == "postgresql":
        select = select.with_for_update()
    update = (plain_rows.update().where(plain_rows.c.id == sa.bindparam("rid"))
              .values(state=sa.bindparam("to"), version=plain_rows.c.version + 1))
    insert = plain_log.insert()

    def block(start: int, n: int) -> float:
        with engine.connect() as conn:
            began = time.perf_counter()
            for i in range(start, start + n):
                rid = ids[i % len(ids)]
                state, version = conn.execute(select, {"rid": rid}).one()
                event, data = step(i, state)
                to = next_state(state, data)
                conn.execute(update, {"rid": rid, "to": to})
                conn.execute(insert, _log_values(rid, version + 1, event, state, to, actor_id,
                                                 data))
                conn.commit()
            return time.perf_counter() - began

    return block


CONTENDERS = (
    ("plain", "plain SQL"),
    ("floor", "ORM-session floor"),
    ("engine", "engine"),
)


def main(url: str, rounds: int, size: int) -> None:
    from casework.extensions import db

    with casework_app(url) as app, app.app_context():
        # The first half of the records for the engine, the second for the floor.
        case_ids = prepare_cases(2 * RECORDS)
        db.session.execute(plain_rows.insert(), [{"id": i + 1, "state": "waiting", "version": 1}
                                                 for i in range(RECORDS)])
        db.session.commit()
        actor = load_actor()
        dialect = db.engine.dialect.name
        blocks = {
            "plain": plain_block(db.engine, list(range(1, RECORDS + 1)), actor.id),
            "floor": floor_block(case_ids[RECORDS:], actor.id),
            "engine": engine_block(case_ids[:RECORDS], actor),
        }
        seconds = measure(blocks, rounds, size)

    print(f"database: {dialect}; {rounds} rounds of {size} transitions each way, "
          f"{RECORDS} records each")
    for name, label in CONTENDERS:
        print(f"{label:20}{rate(seconds[name], size):8.0f} transitions/s")
    print(f"engine ÷ plain SQL (for information): {ratio(seconds, 'engine', 'plain')}")
    print(f"ORM-session floor ÷ plain SQL (for information): {ratio(seconds, 'floor', 'plain')}")
    print(f"engine ÷ ORM-session floor: {ratio(seconds, 'engine', 'floor')}")


if __name__ == "__main__":
    _parser, args = arguments(__doc__.splitlines()[0])
    if args.url:
        main(args.url, args.rounds, args.block)
    else:
        with tempfile.TemporaryDirectory() as tmp_db:
            main(f"sqlite:///{tmp_db}/bench.db", args.rounds, args.block)
