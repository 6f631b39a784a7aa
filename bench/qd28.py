"""QĐ 28/2025 classification at national scale, against baselines measured in the same round.

    python bench/qd28.py                       # SQLite in a temporary file (slow to build)
    python bench/qd28.py postgresql+psycopg://postgres@127.0.0.1/casework_bench --rounds 5

Builds today's two-level map in bulk (34 provinces, 3,321 communes and wards, 15 villages
each: 53,170 units, one link each), 500,000 persons spread over the villages in realistic
states, each with the two audit entries the readers need (opened as suspected, then the
event into the person's state, dated before the period's end), a population per commune,
incidents (use venues, offenders with their arrest day, fugitives, drug plants), key routes
and hotspots (with their audit entries). Bulk rows carry the columns the readers use; the
hashes are chained with the app's own hashing (bench/dataset.py). A few classifications are
checked against what the generator put in (criterion a's and Art 6.1's counts).

Then, round after round, in an order that rotates, one call each of:

- baselines: a plain ``SELECT count(*)`` of the big province's persons joined to their
  units (``count``), and ``evaluate_subtree`` of the province (the 8 criteria, ``criteria8``);
- ``classify_commune`` of a sample of communes (per commune);
- ``classify_province`` of the big province (124 communes);
- the province dashboard's QĐ 28 panel (``qd28_board.board``);
- the province workbook (``reviews.report.build`` + ``workbook``).

Figures: medians of absolute times, and per-round ratios against each baseline (median and
range), as the other benches. Queries per call are counted on the engine.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path[:0] = [str(_HERE.parent), str(_HERE.parent / "src")]

import sqlalchemy as sa  # noqa: E402

from bench.common import temporary_schema  # noqa: E402
from bench.dataset import (  # noqa: E402
    ART61,
    BIG,
    COMMUNES,
    MANAGED,
    PROVINCES,
    STATES,
    build_facts,
    build_map,
    chain,
    copy_rows,
    set_sequences,
    write_entries,
)

YEAR = 2026
VILLAGES = 15
PERSONS = 500_000
SAMPLE = 20  # communes timed one by one per round
SEED = 28


def _app(url: str, schema: str | None, tmp: str):
    from casework import create_app

    options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SQLALCHEMY_ENGINE_OPTIONS": options,
                       "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}},
                      instance_path=str(Path(tmp) / "instance"))


def build(conn) -> dict:
    """The national dataset; returns what the checks and the timings need."""
    from casework.people.models import Person

    rnd = random.Random(SEED)
    now = datetime.now(UTC)
    built = build_map(conn, lambda n: VILLAGES, now)
    villages = built.villages

    # Persons and their two audit entries each.
    states = [s for s, share in STATES for _ in range(share)]
    truth: dict[int, dict[str, int]] = {}
    person_rows, entry_rows = [], []
    entry_id = 1
    for pid in range(1, PERSONS + 1):
        village, commune = villages[rnd.randrange(len(villages))]
        state = rnd.choice(states)
        opened = datetime(2023, 1, 1, 3, tzinfo=UTC) + timedelta(days=rnd.randrange(1000))
        moved = min(opened + timedelta(days=rnd.randrange(1, 300)),
                    datetime(YEAR, 11, 30, 3, tzinfo=UTC))
        person_rows.append((pid, f"Người {pid}", f"nguoi {pid}", date(1990, 1, 1), "male",
                            village, state, 2, 1, moved, moved, now))
        entries = []
        for seq, (event, frm, to, at) in enumerate(
                (("open", None, "suspected", opened), ("bench_move", "suspected", state, moved)),
                1):
            entries.append({"id": entry_id, "workflow": "person", "workflow_version": 1,
                            "record_type": "person", "record_id": pid, "seq": seq,
                            "event": event, "from_state": frm, "to_state": to,
                            "actor_name": "bench", "role": "police", "org_unit_id": village,
                            "data": {}, "effective_at": at, "recorded_at": at})
            entry_id += 1
        entry_rows.extend(chain(entries))
        t = truth.setdefault(commune, {"a": 0, "art61": 0})
        t["a"] += state in MANAGED
        t["art61"] += state in ART61
    copy_rows(conn, Person.__table__, ["id", "full_name", "name_folded", "birth_date", "gender",
                                       "org_unit_id", "state", "version", "workflow_version",
                                       "state_entered_at", "last_event_at", "created_at"],
              person_rows)

    # Facts: a population for every commune, incidents, routes; hotspots with their entries.
    hotspot_entries, facts, hotspots = build_facts(conn, rnd, built.communes, YEAR, entry_id,
                                                   now=now)
    entry_rows.extend(hotspot_entries)
    write_entries(conn, entry_rows)
    set_sequences(conn, ("org_units", "org_unit_links", "persons", "area_facts", "hotspots",
                         "audit_entries"))
    conn.execute(sa.text("ANALYZE"))
    return {"communes": built.communes, "truth": truth, "units": built.units,
            "entries": len(entry_rows), "facts": facts, "hotspots": hotspots}


def _counts(unit) -> tuple[int, int]:
    from casework.areas import qd28

    result = qd28.classify_commune(unit, YEAR)
    return (next(c.measured.count for c in result.criteria if c.code == "a"),
            next(c.measured.count for c in result.drug_free_criteria
                 if c.criterion.measure == "qd28.resident_users"))


def check_engine(unit) -> None:
    """The slow path: persons opened and moved on through the engine (the demo's paths, a
    real officer's roles) count as the bulk rows do."""
    from casework.auth import services as auth_services
    from casework.demo.persons import CASE_ROLES, PATHS, _walk
    from casework.extensions import db
    from casework.orgunits.models import OrgUnit
    from casework.people.models import Person
    from casework.workflow import open_record

    village = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id)
                                .order_by(OrgUnit.id).limit(1))
    user = auth_services.create_user("bench.qd28", "bench password 1")
    for role in CASE_ROLES:
        auth_services.grant_role(user, role, unit)
    before = _counts(unit)
    added = ("addict", "positive", "methadone", "cleared")
    for i, state in enumerate(added):
        person = Person(full_name=f"Người thử {i}", name_folded=f"nguoi thu {i}",
                        birth_date=date(1990, 1, 1), gender="male", org_unit=village,
                        residence_type="permanent", resident_since=date(2000, 1, 1),
                        address="bench")
        began = datetime(YEAR, 5, 1, 3, tzinfo=UTC)
        open_record(person, user, effective_at=began)
        _walk(person, user, PATHS[state], began)
    db.session.commit()
    after = _counts(unit)
    want = (before[0] + sum(s in MANAGED for s in added),
            before[1] + sum(s in ART61 for s in added))
    print(f"engine check {unit.code}: +{', +'.join(added)} through the engine: "
          f"a {before[0]} → {after[0]}, Art 6.1 {before[1]} → {after[1]} (expected "
          f"{want[0]}, {want[1]}): {'ok' if after == want else 'MISMATCH'}")


class QueryCounter:
    """Statements sent and the time spent in them (the database's side and the driver's),
    by statement shape."""

    def __init__(self, engine):
        self.n = 0
        self.seconds = 0.0
        self.by_statement: dict[str, list] = {}
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        self.n += 1
        self.seconds += spent
        key = " ".join(statement.split())
        where = key.find(" FROM ")
        key = key[:60] + " …" + key[where:where + 120] if where > 0 else key[:180]
        slot = self.by_statement.setdefault(key, [0, 0.0])
        slot[0] += 1
        slot[1] += spent

    def reset(self) -> None:
        self.n, self.seconds, self.by_statement = 0, 0.0, {}


def main(url: str, rounds: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, temporary_schema(url) as schema:
        app = _app(url, schema, tmp)
        with app.app_context():
            run(app, rounds, profile)
            from casework.extensions import db

            db.session.remove()
            db.engine.dispose()


def run(app, rounds: int, profile: bool) -> None:
    from casework.areas import qd28, qd28_board
    from casework.areas.criteria import evaluate_subtree
    from casework.auth.scope import Grant, Scope
    from casework.extensions import db
    from casework.migrating import upgrade_schema
    from casework.orgunits.models import OrgUnit, OrgUnitLink, subtree_clause
    from casework.people.models import Person
    from casework.reviews import report

    upgrade_schema()
    began = time.perf_counter()
    with db.engine.begin() as conn:
        data = build(conn)
    built = time.perf_counter() - began
    dialect = db.engine.dialect.name
    print(f"database: {dialect}; built in {built:.0f} s: {data['units']:,} units "
          f"({PROVINCES} provinces, {COMMUNES:,} communes, {VILLAGES} villages each), "
          f"{PERSONS:,} persons, {data['entries']:,} audit entries, {data['facts']:,} facts, "
          f"{data['hotspots']:,} hotspots")

    province = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "P00"))
    rnd = random.Random(SEED + 1)
    sample_ids = [c[0] for c in rnd.sample(data["communes"], SAMPLE)]
    sample = list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(sample_ids))))
    scope = Scope([Grant("province_authority", province.id, province.path,
                         reach=(province.path,))])
    end = qd28.review_period(YEAR)[1]

    # Checks against the generator.
    for unit in sample[:5]:
        result = qd28.classify_commune(unit, YEAR)
        got_a = next(c.measured.count for c in result.criteria if c.code == "a")
        got_61 = next(c.measured.count for c in result.drug_free_criteria
                      if c.criterion.measure == "qd28.resident_users")
        want = data["truth"].get(unit.id, {"a": 0, "art61": 0})
        status = "ok" if (got_a, got_61) == (want["a"], want["art61"]) else "MISMATCH"
        print(f"check {unit.code}: a={got_a} (generated {want['a']}), Art 6.1={got_61} "
              f"(generated {want['art61']}), {result.classification}: {status}")

    try:
        check_engine(sample[0])
    except Exception as exc:  # the timings do not depend on it: say so and go on
        db.session.rollback()
        print(f"engine check failed: {exc!r}")
    # The check committed: load the units again, fresh (the timed calls detach them).
    db.session.expunge_all()
    province = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "P00"))
    sample = list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(sample_ids))))

    count_stmt = (sa.select(sa.func.count()).select_from(Person)
                  .join(OrgUnitLink, OrgUnitLink.unit_id == Person.org_unit_id)
                  .where(subtree_clause(OrgUnitLink.path, province.path)))

    def t_count():
        return db.session.scalar(count_stmt)

    def t_criteria8():
        return evaluate_subtree(province, end)

    def t_commune():
        for unit in sample:
            qd28.classify_commune(unit, YEAR)

    def t_province():
        return qd28.classify_province(province, YEAR)

    def t_board():
        return qd28_board.board(province)

    def t_workbook():
        return report.workbook(report.build(province, YEAR, scope))

    calls = {"count": t_count, "criteria8": t_criteria8, "commune": t_commune,
             "province": t_province, "board": t_board, "workbook": t_workbook}
    counter = QueryCounter(db.engine)
    queries, in_sql, top = {}, {}, {}
    for name, call in calls.items():  # warm-up, and the queries of one call
        db.session.expunge_all()
        counter.reset()
        t0 = time.perf_counter()
        call()
        total = time.perf_counter() - t0
        queries[name], in_sql[name] = counter.n, counter.seconds / total
        top[name] = [(text, tuple(slot)) for text, slot in  # copies: the counter goes on
                     sorted(counter.by_statement.items(), key=lambda kv: -kv[1][1])[:4]]
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            db.session.expunge_all()
            t0 = time.perf_counter()
            calls[name]()
            seconds[name].append(time.perf_counter() - t0)
        print(f"round {r + 1}: " + ", ".join(f"{n} {seconds[n][-1]:.3f}s" for n in names),
              flush=True)
    seconds["commune"] = [s / SAMPLE for s in seconds["commune"]]
    queries["commune"] = queries["commune"] / SAMPLE

    print(f"\n{dialect}, {rounds} rounds; province P00 has {BIG} communes, "
          f"{t_count():,} persons")
    print(f"{'call':34}{'median':>10}{'queries':>9}  {'÷ count':>22}  {'÷ criteria8':>22}")
    labels = {"count": "baseline: SELECT count(*)", "criteria8": "baseline: evaluate_subtree (8)",
              "commune": "classify_commune (one)", "province": "classify_province",
              "board": "qd28_board.board", "workbook": "report build + workbook"}
    for name in names:
        med = statistics.median(seconds[name])
        cells = []
        for base in ("count", "criteria8"):
            per = [a / b for a, b in zip(seconds[name], seconds[base], strict=True)]
            cells.append(f"{statistics.median(per):8.3g} ({min(per):.3g}–{max(per):.3g})")
        print(f"{labels[name]:34}{med * 1000:8.1f}ms{queries[name]:9.0f}  "
              f"{cells[0]:>22}  {cells[1]:>22}")

    print("\nqueries per call, share of the call's time spent waiting for SQL, and the "
          "statements that took most of it (count, seconds):")
    for name in names:
        print(f"- {labels[name]}: {queries[name]:.0f} queries, {in_sql[name]:.0%} in SQL")
        for text, (n, spent) in top[name]:
            print(f"    {n:6d} × {spent:7.3f}s  {text}")

    if profile:
        for name in ("board", "criteria8"):
            db.session.expunge_all()
            prof = cProfile.Profile()
            prof.enable()
            calls[name]()
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(12)
            print(f"\ncProfile of {labels[name]}:")
            print(out.getvalue())

if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the dashboard panel and evaluate_subtree "
                        "the rounds")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("give at least 1 round")
    if args.url:
        main(args.url, args.rounds, args.profile)
    else:
        with tempfile.TemporaryDirectory() as tmp_db:
            main(f"sqlite:///{tmp_db}/bench.db", args.rounds, args.profile)
