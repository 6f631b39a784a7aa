"""Issue 16: the pages at national scale, a large dataset against a small one of the same shape.

    python bench/national.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
    python bench/national.py --persons 500000 --small 5000 --rounds 5 [--rebuild] [--build-only]
        [--no-country]

Builds (``bench.national_build``) three datasets on today's map (34 provinces, 3,321
communes, ~98k villages) in the databases of the server of ``--database-url``, through the
app's migrations and bulk SQL, with valid hash chains: ``casework_national`` with
``--persons`` persons, ``casework_national_small`` with ``--small``, and
``casework_national_country`` with ``--persons`` persons of which the big province (P00, the
one measured) holds as many as in the small dataset: the country grows, the province does not
(``--no-country``: without it). A database already built with the same arguments by the same
builder is reused (``bench_meta`` records them); ``--rebuild`` builds again. Other benches and
helpers may read the databases.

Then it reads each page through the real Flask app (a test client signed in through the login
form, as the page's user: the ward police of P00C000 or the province user of P00), the
datasets in an order that rotates, for ``--rounds`` rounds after one warm-up, and prints per
page ``<page>: small p50 X ms, large p50 Y ms, ratio R`` with the SQL statements of one
request on each (and ``country p50 Z ms, ratio C``, C over the small dataset's p50), the
person page over ``/healthz`` on the large dataset, the RSS of one gunicorn worker
(``wsgi:app``, against the large database) after it served every page,
``national: worst country ratio C (<page>)``, and last ``national: worst ratio R (<page>)``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path[:0] = [str(_HERE.parent), str(_HERE.parent / "src")]

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.national_build import BUILD, PROVINCE, build  # noqa: E402
from casework import settle  # noqa: E402

LARGE, SMALL, COUNTRY = "casework_national", "casework_national_small", "casework_national_country"
META = sa.table("bench_meta", sa.column("persons"), sa.column("summary"))


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def make_app(url: str, instance: str):
    from casework import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SERVER_NAME": None, "LOGIN_RATE_LIMIT": "10000 per minute",
                       "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}},
                      instance_path=instance)


@contextmanager
def _connection(url: str):
    """A connection to the database at ``url``, its engine disposed after."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def built(url: str) -> dict | None:
    """What ``bench_meta`` says was built in the database (None: nothing, or no database)."""
    import json

    try:
        with _connection(url) as conn:
            row = conn.execute(sa.select(META.c.summary)).first()
            return json.loads(row[0]) if row else None
    except sa.exc.SQLAlchemyError:
        return None


def province_total(url: str) -> int:
    """How many persons the big province (P00) holds in the database at ``url``."""
    with _connection(url) as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM persons p JOIN org_units u ON u.id = p.org_unit_id "
            "WHERE u.path LIKE (SELECT path FROM org_units WHERE code = :code) || '%'"),
            {"code": PROVINCE}).scalar()


def ensure(server: str, name: str, persons: int, rebuild: bool, instance: str,
           follow_ups: int = 0, province_persons: int | None = None) -> dict:
    """The dataset of ``persons`` in database ``name`` (with ``province_persons`` of them in
    P00): reused, or (re)built."""
    import json

    url = database_url(server, name)
    summary = built(url)
    if (summary and summary["persons_asked"] == persons and summary.get("build", 1) == BUILD
            and summary.get("follow_ups", 0) == follow_ups
            and summary.get("province_persons") == province_persons and not rebuild):
        print(f"{name}: reusing {summary['persons']:,} persons, {summary['entries']:,} audit "
              f"entries (built in {summary['seconds']} s)", flush=True)
        app = make_app(url, instance)
        with app.app_context():  # the code measured may have migrations the build had not
            from casework.extensions import db
            from casework.migrating import upgrade_schema

            upgrade_schema()
            db.session.remove()
            db.engine.dispose()
        return summary
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    app = make_app(url, instance)
    with app.app_context():
        from casework.extensions import db
        from casework.migrating import upgrade_schema

        upgrade_schema()
        print(f"{name}: building {persons:,} persons", flush=True)
        summary = build(app, persons, log=lambda m: print(f"  {m}", flush=True),
                        follow_ups=follow_ups, province_persons=province_persons)
        summary["persons_asked"] = persons
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE bench_meta (persons integer, summary text)"))
            conn.execute(sa.insert(META).values(persons=persons, summary=json.dumps(summary)))
        db.session.remove()
        db.engine.dispose()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1/postgres",
                        help="a PostgreSQL server (its database is only used to create ours)")
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build again even if built")
    parser.add_argument("--follow-ups", type=int, default=0,
                        help="months of monthly tests and checks of the persons under "
                        "management or treatment (10: about 8 audit entries a person; "
                        "default 0: about 5)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--pages", help="only these pages (comma-separated names)")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the worker's RSS")
    parser.add_argument("--no-country", action="store_true",
                        help="skip the third dataset (--persons persons, P00 holding as many "
                        "as in the small one: the country grows, the province does not)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("give a PostgreSQL server (the datasets are built with COPY)")
    with tempfile.TemporaryDirectory() as tmp:
        summaries = {}
        names = {"small": SMALL, "large": LARGE} | ({} if args.no_country else
                                                     {"country": COUNTRY})
        for label, name in names.items():
            n = args.small if label == "small" else args.persons
            held = (province_total(database_url(args.database_url, SMALL))
                    if label == "country" else None)
            summaries[label] = ensure(args.database_url, name, n, args.rebuild,
                                      str(Path(tmp) / label), args.follow_ups, held)
        if args.build_only:
            return
        from bench.national_pages import measure, report, worker_rss

        urls = {label: database_url(args.database_url, name) for label, name in names.items()}
        apps = {label: make_app(url, str(Path(tmp) / label)) for label, url in urls.items()}
        settle()  # as a gunicorn worker serves them: built, then settled (wsgi.py)
        only = set(args.pages.split(",")) if args.pages else None
        results = measure(apps, summaries, args.rounds, only)
        rss = None if args.no_gunicorn else worker_rss(urls["large"], summaries["large"], tmp)
        report(results, rss)


if __name__ == "__main__":
    main()
