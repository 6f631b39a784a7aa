"""Transitions per second through the engine, against the same state changes in plain SQL.

    python bench/transitions.py                  # SQLite in a temporary file
    python bench/transitions.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db
    python bench/transitions.py URL --rounds 80 --block 25   # (40 rounds of 25 by default)

Three ways of making the same state changes, one transaction per transition, in the same
process and database:

- engine: load the record with ``session.get``, ``fire()`` it (role and scope of a real user,
  the event's data through its marshmallow schema, two rules, the shared transitions machine,
  the optimistic version check) and append the hash-chained audit entry, then commit;
- ORM session, no engine: the same ``session.get`` and session commit around the same writes
  without the engine's work (the record's UPDATE with its version check and a log row, on
  PostgreSQL in one statement as the engine writes them): what the engine's caller and its
  writes cost before the engine does anything;
- plain SQL: ``SELECT ... FOR UPDATE`` (a plain SELECT on SQLite), ``UPDATE`` the state and
  version, ``INSERT`` a log row with the data as JSON, commit.

This machine's speed changes from one minute to the next, and not equally for the three (the
engine spends its time in Python, plain SQL more of it waiting for the database). So they run
in short rounds, one block of transitions each, in an order that rotates; each round gives a
ratio of neighbouring blocks, and the figures are the median ratio and its quartiles.

The workflow is a small one of the bench's own (``bench_case``), with rules of its own, so the
figures do not move when features add effects to the real workflows. On PostgreSQL everything
happens in a schema created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# This file is named like the `transitions` package the engine imports: take its folder off
# the import path, and put the repository's src/ on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "src"))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import (  # noqa: E402
    DeclarativeBase,
    Mapped,
    declared_attr,
    foreign,
    mapped_column,
    relationship,
)

from casework import create_app  # noqa: E402
from casework.db import NAMING_CONVENTION  # noqa: E402
from casework.orgunits.models import OrgUnit  # noqa: E402
from casework.workflow import WorkflowRecordMixin  # noqa: E402
from casework.workflow.registry import rule  # noqa: E402

RECORDS = 50

WORKFLOW = """\
name: bench_case
version: 1
effective_from: 2020-01-01
title: {vi: Hồ sơ thử tốc độ, en: Benchmark case}
initial: waiting
states:
  waiting: {vi: Chờ kiểm tra, en: Waiting}
  checked: {vi: Đã kiểm tra, en: Checked}
  flagged: {vi: Cần xử lý, en: Flagged}
events:
  open: {vi: Mở, en: Open}
  check: {vi: Kiểm tra, en: Check, date: check_date}
  release: {vi: Trả lại, en: Release}
transitions:
  - {event: open, source: new, dest: waiting, roles: [police, health]}
  - event: check
    source: waiting
    dest: checked
    roles: [health]
    conditions: [bench_sample_fits]
    unless: [bench_flag]
    data: &check
      check_date: date
      sample: {type: choice, choices: [urine, blood, hair, saliva]}
      amount: {type: int, min: 0, max: 100}
      facility: string
      flag: bool
  - event: check
    source: waiting
    dest: flagged
    roles: [health]
    conditions: [bench_sample_fits, bench_flag]
    data: *check
  - event: release
    source: [checked, flagged]
    dest: waiting
    roles: [health]
    data:
      note: {type: text, required: false}
"""


@rule("bench_flag", "the check is flagged")
def bench_flag(record, data, context):
    return data["flag"] is True


@rule("bench_sample_fits", "the amount fits the sample")
def bench_sample_fits(record, data, context):
    limit = 50 if data["sample"] == "urine" else 100
    return data["amount"] <= limit or "the amount is too high for this sample"


class BenchBase(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class BenchCase(WorkflowRecordMixin, BenchBase):
    __tablename__ = "bench_cases"
    __workflow__ = "bench_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(sa.Integer)

    # Loaded with the record (one SELECT): the engine needs the unit for scope and the log.
    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit, lazy="joined",
                            primaryjoin=lambda: foreign(cls.org_unit_id) == OrgUnit.id)


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
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("record_id", "seq"),
    )


plain_log = _log_table("bench_plain_log")
orm_log = _log_table("bench_orm_log")  # the log rows of "ORM session, no engine"


TODAY = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _step(i: int, state: str) -> tuple[str, dict]:
    """The event and data that move a record on from ``state``."""
    if state == "waiting":
        # Dated today: a check is not before the record's previous event (a release, now).
        return "check", {"check_date": TODAY.isoformat(),
                         "sample": "urine", "amount": i % 40, "facility": "Trạm Y tế",
                         "flag": i % 3 == 0}
    return "release", {"note": "ok"} if i % 2 else {}


def _next_state(state: str, data: dict) -> str:
    if state == "waiting":
        return "flagged" if data["flag"] else "checked"
    return "waiting"


def _log_row(record_id: int, seq: int, event: str, state: str, to: str, data: dict) -> dict:
    return {"record_id": record_id, "seq": seq, "event": event, "from_state": state,
            "to_state": to, "data": json.loads(json.dumps(data)), "recorded_at": datetime.now(UTC)}


def engine_block(ids: list[int], actor):
    """Each transition: load the record, fire its event through the engine, commit."""
    from casework.extensions import db
    from casework.workflow import fire

    def block(start: int, n: int) -> float:
        session = db.session
        began = time.perf_counter()
        for i in range(start, start + n):
            record = session.get(BenchCase, ids[i % len(ids)])
            event, data = _step(i, record.state)
            fire(record, event, actor, data=data, version=record.version)
            session.commit()
        elapsed = time.perf_counter() - began
        session.remove()
        return elapsed

    return block


def orm_block(ids: list[int]):
    """Each transition: the same load and commit through the ORM session as the engine's, and
    the same writes without the engine's work: the record's UPDATE with its version check and
    a log row, on PostgreSQL in one statement as the engine writes them, else in two."""
    from casework.extensions import db

    table = BenchCase.__table__
    update = (table.update()
              .where(table.c.id == sa.bindparam("rid"), table.c.version == sa.bindparam("read"))
              .values(state=sa.bindparam("to"), version=table.c.version + 1))
    insert = orm_log.insert()
    # WITH moved AS (UPDATE ... RETURNING id, version) INSERT INTO the log SELECT ... FROM moved
    moved = update.returning(table.c.id, table.c.version).cte("moved")
    logged = [c.name for c in orm_log.c if c.name != "id"]
    given = {c.name: sa.bindparam(c.name, type_=c.type) for c in orm_log.c
             if c.name not in ("id", "record_id", "seq")}
    update_and_insert = insert.from_select(logged, sa.select(
        moved.c.id, moved.c.version, *(given[name] for name in logged[2:])
    )).returning(orm_log.c.id)

    def block(start: int, n: int) -> float:
        session = db.session
        combined = session.get_bind().dialect.name == "postgresql"
        began = time.perf_counter()
        for i in range(start, start + n):
            record = session.get(BenchCase, ids[i % len(ids)])
            state, version = record.state, record.version
            event, data = _step(i, state)
            to = _next_state(state, data)
            connection = session.connection()
            row = _log_row(record.id, version + 1, event, state, to, data)
            if combined:
                hit = connection.execute(update_and_insert,
                                         {**row, "rid": record.id, "read": version,
                                          "to": to}).scalar() is not None
            else:
                hit = connection.execute(update, {"rid": record.id, "read": version,
                                                  "to": to}).rowcount == 1
                if hit:
                    connection.execute(insert, row)
            if not hit:
                raise RuntimeError(f"record {record.id} moved under the benchmark")
            session.commit()
        elapsed = time.perf_counter() - began
        session.remove()
        return elapsed

    return block


def plain_block(engine, ids: list[int]):
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
                event, data = _step(i, state)
                to = _next_state(state, data)
                conn.execute(update, {"rid": rid, "to": to})
                conn.execute(insert, _log_row(rid, version + 1, event, state, to, data))
                conn.commit()
            return time.perf_counter() - began

    return block


def prepare(app) -> None:
    """The org units, a health officer over the ward, 2 x RECORDS open cases (the first half
    for the engine, the second for the ORM session) and RECORDS plain rows."""
    from casework.auth import services as auth_services
    from casework.database import upgrade_schema
    from casework.extensions import db
    from casework.orgunits.services import create_orgunit
    from casework.workflow import open_record

    with app.app_context():
        upgrade_schema()
        BenchBase.metadata.create_all(db.engine)
        city = create_orgunit("BC", "Thành phố", "city", None)
        ward = create_orgunit("BW", "Phường", "ward", city)
        group = create_orgunit("BG", "Tổ 1", "residential_group", ward)
        user = auth_services.create_user("bench.health", "bench password 1")
        auth_services.grant_role(user, "health", ward)
        opened = datetime.now(UTC) - timedelta(days=400)
        for _ in range(2 * RECORDS):
            open_record(BenchCase(org_unit=group), user, effective_at=opened)
        db.session.execute(plain_rows.insert(),
                           [{"id": i + 1, "state": "waiting", "version": 1}
                            for i in range(RECORDS)])
        db.session.commit()


CONTENDERS = (
    ("plain", "plain SQL"),
    ("orm", "ORM session, no engine"),
    ("engine", "engine"),
)


def measure(app, rounds: int, size: int) -> tuple[str, dict[str, list[float]]]:
    """Seconds per block of each contender, round by round, in an order that rotates."""
    from casework.auth.models import User
    from casework.extensions import db

    with app.app_context():
        engine = db.engine
        case_ids = list(db.session.scalars(sa.select(BenchCase.id).order_by(BenchCase.id)))
        # The actor is given, as the signed-in user is to a request: loaded once with its
        # grants. The record is read again in every transaction.
        actor = db.session.scalar(sa.select(User).where(User.username == "bench.health"))
        for grant in actor.assignments:
            grant.org_unit.path  # noqa: B018 - loaded before the object leaves the session
        db.session.remove()  # ends the read (SQLite would keep it locked for the others)
        blocks = {
            "engine": engine_block(case_ids[:RECORDS], actor),
            "orm": orm_block(case_ids[RECORDS:]),
            "plain": plain_block(engine, list(range(1, RECORDS + 1))),
        }
        names = [name for name, _label in CONTENDERS]
        for name in names:  # warm up: caches, prepared statements, the pool
            blocks[name](0, 100)
        seconds: dict[str, list[float]] = {name: [] for name in names}
        for r in range(rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                seconds[name].append(blocks[name](100 + r * size, size))
        dialect = engine.dialect.name
        engine.dispose()
    return dialect, seconds


def _spread(ratios: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    return f"{median:4.0%}  ({q1:.0%}–{q3:.0%})"


def main(url: str, rounds: int, size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workflows = Path(tmp) / "workflows"
        workflows.mkdir()
        (workflows / "bench_case.yaml").write_text(WORKFLOW, encoding="utf-8")
        schema = None
        options: dict = {}
        admin = None
        if url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(url)
            with admin.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "SQLALCHEMY_ENGINE_OPTIONS": options, "WORKFLOWS_DIR": str(workflows),
                          "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}},
                         instance_path=str(Path(tmp) / "instance"))
        try:
            prepare(app)
            dialect, seconds = measure(app, rounds, size)
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()

    def share(name: str, of: str) -> list[float]:
        """``name``'s speed as a share of ``of``'s, round by round."""
        return [b / a for a, b in zip(seconds[name], seconds[of], strict=True)]

    print(f"database: {dialect}; {rounds} rounds of {size} transitions each way, "
          f"{RECORDS} records each")
    print(f"{'':26}{'transitions/s':>14}   of plain SQL: median (quartiles)")
    for name, label in CONTENDERS:
        rate = rounds * size / sum(seconds[name])
        shown = "100%" if name == "plain" else _spread(share(name, "plain"))
        print(f"{label:26}{rate:14.0f}   {shown}")
    print(f"engine / ORM session, no engine: {_spread(share('engine', 'orm'))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=40, help="rounds (default 40)")
    parser.add_argument("--block", type=int, default=25,
                        help="transitions per contender and round (default 25)")
    args = parser.parse_args()
    if args.rounds < 4 or args.block < 1:
        parser.error("give at least 4 rounds of at least 1 transition")
    if args.url:
        main(args.url, args.rounds, args.block)
    else:
        with tempfile.TemporaryDirectory() as tmp_db:
            main(f"sqlite:///{tmp_db}/bench.db", args.rounds, args.block)
