"""Transitions per second through the engine, against the same state changes in plain SQL.

    python bench/transitions.py                  # SQLite in a temporary file
    python bench/transitions.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db
    python bench/transitions.py URL -n 500 -r 20  # transitions per run, runs (500, 10)

Both runs move the same number of records through the same cycle, one transaction per
transition, in the same process and database:

- engine: load the record, ``fire()`` it (role and scope of a real user, the event's data
  through its marshmallow schema, two rules, the shared transitions machine, the optimistic
  version check) and append the hash-chained audit entry, then commit;
- plain SQL: ``SELECT ... FOR UPDATE`` (a plain SELECT on SQLite), ``UPDATE`` the state and
  version, ``INSERT`` a log row with the data as JSON, commit.

The workflow is a small one of the bench's own (``bench_case``), with rules of its own, so the
figures do not move when features add effects to the real workflows. On PostgreSQL everything
happens in a schema created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

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
  check: {vi: Kiểm tra, en: Check}
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


# The plain-SQL side: a row with a state and a version, and a log table.
plain_rows = sa.Table(
    "bench_plain_rows", BenchBase.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
plain_log = sa.Table(
    "bench_plain_log", BenchBase.metadata,
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


def _step(i: int, state: str) -> tuple[str, dict]:
    """The event and data that move a record on from ``state``."""
    if state == "waiting":
        return "check", {"check_date": (date(2025, 1, 1) + timedelta(days=i % 300)).isoformat(),
                         "sample": "urine", "amount": i % 40, "facility": "Trạm Y tế",
                         "flag": i % 3 == 0}
    return "release", {"note": "ok"} if i % 2 else {}


def _next_state(state: str, data: dict) -> str:
    if state == "waiting":
        return "flagged" if data["flag"] else "checked"
    return "waiting"


def run_engine(app, n: int) -> float:
    from casework.auth.models import User
    from casework.extensions import db
    from casework.workflow import fire

    with app.app_context():
        ids = list(db.session.scalars(sa.select(BenchCase.id).order_by(BenchCase.id)))
        # The actor is given, as the signed-in user is to a request: loaded once with its
        # grants. The record is read again in every transaction.
        actor = db.session.scalar(sa.select(User).where(User.username == "bench.health"))
        for grant in actor.assignments:
            grant.org_unit.path  # noqa: B018 - loaded before the object leaves the session
        db.session.expunge_all()
        start = time.perf_counter()
        for i in range(n):
            record = db.session.get(BenchCase, ids[i % len(ids)])
            event, data = _step(i, record.state)
            fire(record, event, actor, data=data, version=record.version)
            db.session.commit()
        elapsed = time.perf_counter() - start
        db.session.remove()
    return n / elapsed


def run_plain(engine, n: int) -> float:
    for_update = engine.dialect.name == "postgresql"
    select = sa.select(plain_rows.c.state, plain_rows.c.version).where(
        plain_rows.c.id == sa.bindparam("rid"))
    if for_update:
        select = select.with_for_update()
    update = (plain_rows.update().where(plain_rows.c.id == sa.bindparam("rid"))
              .values(state=sa.bindparam("to"), version=plain_rows.c.version + 1))
    insert = plain_log.insert()
    with engine.connect() as conn:
        ids = list(conn.execute(sa.select(plain_rows.c.id).order_by(plain_rows.c.id)).scalars())
        conn.commit()
        start = time.perf_counter()
        for i in range(n):
            rid = ids[i % len(ids)]
            state, version = conn.execute(select, {"rid": rid}).one()
            event, data = _step(i, state)
            to = _next_state(state, data)
            conn.execute(update, {"rid": rid, "to": to})
            conn.execute(insert, {"record_id": rid, "seq": version + 1, "event": event,
                                  "from_state": state, "to_state": to,
                                  "data": json.loads(json.dumps(data)),
                                  "recorded_at": datetime.now(UTC)})
            conn.commit()
        elapsed = time.perf_counter() - start
    return n / elapsed


def prepare(app) -> None:
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
        for i in range(RECORDS):
            open_record(BenchCase(org_unit=group), user, effective_at=opened)
            db.session.execute(plain_rows.insert().values(id=i + 1, state="waiting", version=1))
        db.session.commit()


def main(url: str, n: int, runs: int) -> None:
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
            from casework.extensions import db

            with app.app_context():
                engine = db.engine
                # Warm both paths up, then measure them in turns. The best run of each is the
                # least disturbed by whatever else the machine does; the median of the ratios
                # of neighbouring runs says the same more robustly.
                run_engine(app, min(200, n))
                run_plain(engine, min(200, n))
                engine_rates, plain_rates = [], []
                for _ in range(runs):
                    engine_rates.append(run_engine(app, n))
                    plain_rates.append(run_plain(engine, n))
                dialect = engine.dialect.name
                engine.dispose()
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()
    best_engine, best_plain = max(engine_rates), max(plain_rates)
    ratios = sorted(e / p for e, p in zip(engine_rates, plain_rates, strict=True))
    median = ratios[len(ratios) // 2]
    print(f"database: {dialect}; {runs} runs of {n} transitions each way, {RECORDS} records")
    print(f"engine     {best_engine:8.0f} transitions/s (best run; median "
          f"{sorted(engine_rates)[runs // 2]:.0f})")
    print(f"plain SQL  {best_plain:8.0f} transitions/s (best run; median "
          f"{sorted(plain_rates)[runs // 2]:.0f})")
    print(f"engine / plain SQL = {best_engine / best_plain:.0%} (best runs), "
          f"{median:.0%} (median of paired runs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("-n", type=int, default=500, help="transitions per run")
    parser.add_argument("-r", "--runs", type=int, default=10, help="runs of each")
    args = parser.parse_args()
    if args.url:
        main(args.url, args.n, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp_db:
            main(f"sqlite:///{tmp_db}/bench.db", args.n, args.runs)
