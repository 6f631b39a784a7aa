"""Subtree queries on a 100k-unit tree, against a primary-key lookup taken in the same run.

    python bench/orgunits.py                      # SQLite in a temporary file
    python bench/orgunits.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db

Builds 1 province > 10 cities > 50 wards each > 200 groups each (100,511 units), then times:
the baseline (fetch one unit by primary key), one ward's subtree (201 rows) and one city's
subtree (10,051 rows), each through the same `subtree_clause` the scope uses, and for
contrast the ward found by a full scan. Figures are
ratios to the baseline, because this machine is noisy; absolute times are printed too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.db import utcnow  # noqa: E402
from casework.orgunits.models import OrgUnit, subtree_clause  # noqa: E402

CITIES, WARDS, GROUPS = 10, 50, 200


def build(engine) -> None:
    OrgUnit.metadata.drop_all(engine)
    OrgUnit.metadata.create_all(engine)
    now = utcnow()

    def unit(ident, code, kind, parent_id, path, depth):
        return {"id": ident, "code": code, "name": code, "kind": kind, "parent_id": parent_id,
                "path": path, "depth": depth, "created_at": now}

    rows = [unit(1, "P", "province", None, "1.", 0)]
    next_id = 2
    for c in range(CITIES):
        cid, next_id = next_id, next_id + 1
        cpath = f"1.{cid}."
        rows.append(unit(cid, f"C{c}", "city", 1, cpath, 1))
        for w in range(WARDS):
            wid, next_id = next_id, next_id + 1
            wpath = f"{cpath}{wid}."
            rows.append(unit(wid, f"C{c}W{w}", "ward", cid, wpath, 2))
            for g in range(GROUPS):
                gid, next_id = next_id, next_id + 1
                rows.append(unit(gid, f"C{c}W{w}G{g}", "residential_group", wid,
                                 f"{wpath}{gid}.", 3))
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(OrgUnit.__table__), rows[i : i + 5000])
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE org_units"))
        else:
            conn.execute(sa.text("ANALYZE"))
    print(f"built {len(rows):,} units")


def per_call(conn, stmt, repeat: int) -> tuple[float, int]:
    n = len(conn.execute(stmt).all())  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        conn.execute(stmt).all()
    return (time.perf_counter() - start) / repeat, n


def main(url: str) -> None:
    engine = sa.create_engine(url)
    build(engine)
    table = OrgUnit.__table__
    with engine.connect() as conn:
        ward = conn.execute(sa.select(table.c.path).where(table.c.code == "C5W25")).scalar()
        city = conn.execute(sa.select(table.c.path).where(table.c.code == "C5")).scalar()
        base, _ = per_call(conn, sa.select(table.c.id).where(table.c.id == 50_000), 2000)
        ward_t, ward_n = per_call(conn, sa.select(table.c.id).where(
            subtree_clause(table.c.path, ward)), 500)
        city_t, city_n = per_call(conn, sa.select(table.c.id).where(
            subtree_clause(table.c.path, city)), 50)
        # What an unindexed prefix match costs, for contrast (SQLite's LIKE cannot use it).
        scan_t, _ = per_call(conn, sa.select(table.c.id).where(
            sa.func.substr(table.c.path, 1, len(ward)) == ward), 20)
        plan_stmt = sa.select(table.c.id).where(subtree_clause(table.c.path, ward))
        compiled = plan_stmt.compile(engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = " | ".join(str(r[-1]) for r in conn.execute(sa.text(explain + str(compiled))))
    print(f"database: {engine.dialect.name}")
    print(f"baseline  primary-key lookup      {base * 1e6:9.1f} µs   1.0x")
    print(f"subtree   ward ({ward_n:>6,} rows)      {ward_t * 1e6:9.1f} µs "
          f"{ward_t / base:6.1f}x")
    print(f"subtree   city ({city_n:>6,} rows)      {city_t * 1e6:9.1f} µs "
          f"{city_t / base:6.1f}x")
    print(f"contrast  ward by full scan       {scan_t * 1e6:9.1f} µs {scan_t / base:6.1f}x")
    print(f"plan for a ward subtree: {plan}")
    OrgUnit.metadata.drop_all(engine)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(f"sqlite:///{tmp}/bench.db")
