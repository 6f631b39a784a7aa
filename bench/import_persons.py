"""A 10k-row persons import, against a plain bulk INSERT of the same rows in the same run.

    python bench/import_persons.py                  # SQLite in a temporary file
    python bench/import_persons.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db
    python bench/import_persons.py URL -n 10000 -r 3  # rows per file, runs (10000, 3)

Each run builds a CSV file of ``n`` persons in a mix of states (suspected, managed users with
their decision, voluntary rehab with its episode, post-rehab with its term), with new external
IDs, and times three things in the same process and database:

- dry run: ``check_file`` (parse, check every row, look up areas, external and national IDs
  and name duplicates), which writes nothing;
- import: ``import_persons`` then COMMIT: the same checks, then per row the person, its one
  hash-chained ``imported`` audit entry (through ``engine.import_record``) and the row its state
  implies;
- baseline: the same rows, already parsed, in one ``executemany`` INSERT into a plain table with
  the persons' columns, then COMMIT.

Figures are ratios to the baseline (the machine is noisy); absolute times are printed too. On
PostgreSQL everything happens in a schema created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# bench/ holds transitions.py, named like the package the engine imports: take the folder off
# the import path, and put the repository's src/ on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "src"))

import sqlalchemy as sa  # noqa: E402

from casework import create_app  # noqa: E402
from casework.workflow.deadlines import today_local  # noqa: E402

GROUPS = 20
COLUMNS = ("external_id", "full_name", "birth_date", "gender", "national_id", "area_code",
           "state", "state_since", "decision_no", "decision_date", "start_date",
           "planned_months", "months")
SURNAMES = ("Nguyễn", "Trần", "Lò", "Hoàng", "Vàng", "Giàng", "Phạm", "Tòng")
GIVEN = ("Văn An", "Thị Bình", "Văn Chiến", "Thị Dung", "Văn Đức", "A Páo", "Thị Mai", "Văn Sơn")

plain = sa.Table(
    "bench_plain_persons", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("external_id", sa.String(64), unique=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("name_folded", sa.String(200), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("gender", sa.String(8), nullable=False),
    sa.Column("national_id", sa.String(12)),
    sa.Column("org_unit_id", sa.Integer, nullable=False),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("state_entered_at", sa.DateTime(timezone=True), nullable=False),
)


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def make_rows(run: int, n: int) -> list[dict]:
    today = today_local()
    rows = []
    for i in range(n):
        birth = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        gender = "male" if i % 3 else "female"
        row = {
            "external_id": f"R{run}-{i:06d}",
            "full_name": f"{SURNAMES[i % 8]} {GIVEN[(i // 8) % 8]} {run}-{i}",
            "birth_date": _d(birth), "gender": gender,
            "national_id": f"0{i % 96:02d}{'0' if gender == 'male' else '1'}"
                           f"{birth.year % 100:02d}{(run * n + i) % 1_000_000:06d}",
            "area_code": f"BG{i % GROUPS}",
        }
        kind = i % 4
        if kind == 0:
            row.update(state="suspected", state_since=_d(today - timedelta(days=i % 9)))
        elif kind == 1:
            row.update(state="managed_user", decision_no=f"{i}/QĐ-UBND",
                       decision_date=_d(today - timedelta(days=30 + i % 300)))
        elif kind == 2:
            row.update(state="rehab_community", decision_no=f"{i}/QĐ",
                       start_date=_d(today - timedelta(days=i % 150)), planned_months="6")
        else:
            row.update(state="post_rehab", start_date=_d(today - timedelta(days=i % 200)),
                       months="12")
        rows.append(row)
    return rows


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def plain_values(rows: list[dict], unit_ids: dict[str, int]) -> list[dict]:
    from casework.people.identity import fold

    now = datetime.now(UTC)
    return [{"external_id": r["external_id"], "full_name": r["full_name"],
             "name_folded": fold(r["full_name"]),
             "birth_date": datetime.strptime(r["birth_date"], "%d/%m/%Y").date(),
             "gender": r["gender"], "national_id": r["national_id"],
             "org_unit_id": unit_ids[r["area_code"]], "state": r["state"],
             "state_entered_at": now} for r in rows]


def prepare(app):
    from casework.auth import services as auth_services
    from casework.extensions import db
    from casework.migrating import upgrade_schema
    from casework.orgunits.services import create_orgunit

    with app.app_context():
        upgrade_schema()
        plain.create(db.engine)
        city = create_orgunit("BC", "Thành phố", "city", None)
        ward = create_orgunit("BW", "Phường", "ward", city)
        units = {f"BG{g}": create_orgunit(f"BG{g}", f"Tổ {g}", "residential_group", ward).id
                 for g in range(GROUPS)}
        user = auth_services.create_user("bench.police", "bench password 1")
        auth_services.grant_role(user, "police", ward)
        db.session.commit()
        return units


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def one_run(app, run: int, n: int, units: dict[str, int]) -> tuple[float, float, float]:
    from casework.auth.models import User
    from casework.auth.scope import Scope
    from casework.extensions import db
    from casework.imports.services import check_file, import_persons

    rows = make_rows(run, n)
    content = to_csv(rows)
    values = plain_values(rows, units)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "bench.police"))
        scope = Scope.for_user(user)

        def dry():
            report = check_file("persons", content, user, scope, "bench.csv")
            assert report.ok and report.new == n, report.problems[:5]
            db.session.rollback()

        def real():
            report = import_persons(content, user, scope, "bench.csv")
            assert report.ok and report.imported == n, report.problems[:5]
            db.session.commit()

        def baseline():
            with db.engine.begin() as conn:
                conn.execute(plain.insert(), values)

        times = timed(dry), timed(real), timed(baseline)
        db.session.remove()
    return times


def main(url: str, n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        schema, admin, options = None, None, {}
        if url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(url)
            with admin.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "SQLALCHEMY_ENGINE_OPTIONS": options,
                          "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}},
                         instance_path=str(Path(tmp) / "instance"))
        try:
            units = prepare(app)
            results = [one_run(app, r, n, units) for r in range(runs)]
            from casework.audit.services import verify
            from casework.extensions import db

            with app.app_context():
                assert verify().ok  # every imported entry is in its hash chain
                dialect = db.engine.dialect.name
                db.engine.dispose()
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()

    def median(values):
        return sorted(values)[len(values) // 2]

    dry_t = [r[0] for r in results]
    imp_t = [r[1] for r in results]
    base_t = [r[2] for r in results]
    print(f"database: {dialect}; {runs} runs of {n:,} rows")
    print(f"baseline (bulk INSERT)  {median(base_t):7.3f} s  ({n / median(base_t):9,.0f} rows/s)")
    print(f"dry run                 {median(dry_t):7.3f} s  ({n / median(dry_t):9,.0f} rows/s)")
    print(f"import                  {median(imp_t):7.3f} s  ({n / median(imp_t):9,.0f} rows/s)")
    print(f"dry run / baseline = {median([d / b for d, b in zip(dry_t, base_t, strict=True)]):.1f}x"
          f"; import / baseline = "
          f"{median([i / b for i, b in zip(imp_t, base_t, strict=True)]):.1f}x "
          "(medians of the paired runs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("-n", type=int, default=10_000, help="rows per file")
    parser.add_argument("-r", "--runs", type=int, default=3, help="runs")
    args = parser.parse_args()
    if args.url:
        main(args.url, args.n, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp_db:
            main(f"sqlite:///{tmp_db}/bench.db", args.n, args.runs)
