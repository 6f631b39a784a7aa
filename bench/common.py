"""What bench/transitions.py and bench/peers.py share: the engine's side and the way of timing.

- ``bench_case``, a small workflow of the bench's own with rules of its own (so the figures do
  not move when features add effects to the real workflows), its records (``BenchCase``) and
  the events and data that move a record on (``step``);
- ``casework_app``: the app over a database URL; on PostgreSQL everything happens in a schema
  created for the run and dropped after it;
- ``prepare_cases``: the org units, a health officer over the ward and open records;
- ``engine_block``: transitions through the engine, one transaction each;
- ``measure``: contenders taking turns in short rounds, in an order that rotates, and the
  median of the per-round ratios with its quartiles (``ratio``).

The scripts import it as ``bench.common``, with the repository's root on the import path and
bench/ off it (bench/transitions.py is named like the ``transitions`` package).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    foreign,
    mapped_column,
    relationship,
)

from casework import create_app
from casework.db import NAMING_CONVENTION
from casework.orgunits.models import OrgUnit
from casework.workflow import WorkflowRecordMixin
from casework.workflow.deadlines import today_local
from casework.workflow.registry import rule

RECORDS = 50  # records per contender; each transition takes the next one, round the list
USERNAME = "bench.health"
REASON = "Kiểm tra định kỳ theo kế hoạch của phường"  # every event's reason

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

SAMPLES = ("urine", "blood", "hair", "saliva")


def sample_fits(sample: str, amount: int) -> bool:
    """The condition of ``check``: the amount is within the sample's limit."""
    return amount <= (50 if sample == "urine" else 100)


@rule("bench_flag", "the check is flagged")
def bench_flag(record, data, context):
    return data["flag"] is True


@rule("bench_sample_fits", "the amount fits the sample")
def bench_sample_fits(record, data, context):
    return sample_fits(data["sample"], data["amount"]) or "the amount is too high for this sample"


class BenchBase(DeclarativeBase):
    """The bench's own tables (the importing script's too): created by ``prepare_cases``."""

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


def step(i: int, state: str) -> tuple[str, dict]:
    """The event and data (as a form or the API sends them) that move a record on from
    ``state`` in the ``i``-th transition."""
    if state == "waiting":
        # Dated today: a check is not before the record's previous event (a release, now).
        return "check", {"check_date": today_local().isoformat(),
                         "sample": "urine", "amount": i % 40, "facility": "Trạm Y tế",
                         "flag": i % 3 == 0}
    return "release", {"note": "ok"} if i % 2 else {}


def next_state(state: str, data: dict) -> str:
    """Where ``step``'s event takes a record in ``state``."""
    if state == "waiting":
        return "flagged" if data["flag"] else "checked"
    return "waiting"


@contextmanager
def casework_app(url: str) -> Iterator:
    """The app over ``url`` with the bench's workflow; on PostgreSQL in a schema of its own,
    dropped at the end."""
    with tempfile.TemporaryDirectory() as tmp:
        workflows = Path(tmp) / "workflows"
        workflows.mkdir()
        (workflows / "bench_case.yaml").write_text(WORKFLOW, encoding="utf-8")
        options: dict = {}
        with temporary_schema(url) as schema:
            if schema is not None:
                options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                              "SQLALCHEMY_ENGINE_OPTIONS": options,
                              "WORKFLOWS_DIR": str(workflows),
                              "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8,
                                                "parallelism": 1}},
                             instance_path=str(Path(tmp) / "instance"))
            try:
                yield app
            finally:
                with app.app_context():
                    from casework.extensions import db

                    db.engine.dispose()


@contextmanager
def temporary_schema(url: str, suffix: str = "") -> Iterator[str | None]:
    """A PostgreSQL schema for the run (None on another database), dropped with everything in
    it at the end."""
    if not url.startswith("postgresql"):
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}{suffix}"
    admin = sa.create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def prepare_cases(count: int) -> list[int]:
    """In the app's context: the schema, the bench's tables, the org units, a health officer
    over the ward and ``count`` open records (in ``waiting``); returns their ids."""
    from casework.auth import services as auth_services
    from casework.extensions import db
    from casework.migrating import upgrade_schema
    from casework.orgunits.services import create_orgunit
    from casework.workflow import open_record

    upgrade_schema()
    BenchBase.metadata.create_all(db.engine)
    city = create_orgunit("BC", "Thành phố", "city", None)
    ward = create_orgunit("BW", "Phường", "ward", city)
    group = create_orgunit("BG", "Tổ 1", "residential_group", ward)
    user = auth_services.create_user(USERNAME, "bench password 1")
    auth_services.grant_role(user, "health", ward)
    opened = datetime.now(UTC) - timedelta(days=400)
    records = [BenchCase(org_unit=group) for _ in range(count)]
    for record in records:
        open_record(record, user, effective_at=opened)
    db.session.commit()
    return [record.id for record in records]


def load_actor():
    """The health officer, loaded once with its grants, as the signed-in user is given to a
    request. Ends the session, so that each transaction reads the record again."""
    from casework.auth.models import User
    from casework.extensions import db

    actor = db.session.scalar(sa.select(User).where(User.username == USERNAME))
    for grant in actor.assignments:
        grant.org_unit.path  # noqa: B018 - loaded before the object leaves the session
    db.session.remove()  # ends the read (SQLite would keep it locked for the others)
    return actor


def engine_block(ids: list[int], actor) -> Callable[[int, int], float]:
    """Each transition: load the record, fire its event through the engine (role and scope,
    the data through its schema, the rules, the machine, the version check, the audit entry
    with the actor and the reason), commit."""
    from casework.extensions import db
    from casework.workflow import fire

    def block(start: int, n: int) -> float:
        session = db.session
        began = time.perf_counter()
        for i in range(start, start + n):
            record = session.get(BenchCase, ids[i % len(ids)])
            event, data = step(i, record.state)
            fire(record, event, actor, data=data, reason=REASON, version=record.version)
            session.commit()
        elapsed = time.perf_counter() - began
        session.remove()
        return elapsed

    return block


WARM_UP = 100  # transitions per contender before timing: caches, prepared statements, the pool


def measure(blocks: dict[str, Callable[[int, int], float]], rounds: int,
            size: int) -> dict[str, list[float]]:
    """Seconds per block of each contender, round by round.

    The machine's speed drifts within a run, and not equally for every contender (one spends
    its time in Python, another waiting for the database). So each round gives every contender
    one block of ``size`` transitions, in an order that rotates from round to round, and the
    figures compare neighbouring blocks round by round (``ratio``).
    """
    names = list(blocks)
    for name in names:
        blocks[name](0, WARM_UP)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            seconds[name].append(blocks[name](WARM_UP + r * size, size))
    return seconds


def rate(seconds: list[float], size: int) -> float:
    """Transitions per second over all the rounds."""
    return len(seconds) * size / sum(seconds)


def ratio(seconds: dict[str, list[float]], name: str, of: str) -> str:
    """``name``'s speed over ``of``'s: the median of the per-round ratios, with its quartiles."""
    per_round = [b / a for a, b in zip(seconds[name], seconds[of], strict=True)]
    q1, median, q3 = statistics.quantiles(per_round, n=4, method="inclusive")
    return f"median {median:.2f} (quartiles {q1:.2f}–{q3:.2f})"


def arguments(description: str, default_rounds: int = 40, default_block: int = 25):
    """The scripts' command line: an optional database URL, --rounds, --block."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=default_rounds,
                        help=f"rounds (default {default_rounds})")
    parser.add_argument("--block", type=int, default=default_block,
                        help=f"transitions per contender and round (default {default_block})")
    args = parser.parse_args()
    if args.rounds < 4 or args.block < 1:
        parser.error("give at least 4 rounds of at least 1 transition")
    return parser, args
