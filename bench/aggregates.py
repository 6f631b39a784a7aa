"""Issue 16, the province pages of plans and areas, read-only on the national datasets.

    python bench/aggregates.py [--server postgresql+psycopg://postgres@127.0.0.1/postgres]
                               [--rounds 3] [--pages report,plan,...] [--src OTHER/src]

Reads ``casework_national`` and ``casework_national_small`` (built by bench/national.py) in
read-only transactions (nothing is written: not even a login), as the province user of P00,
calling the pages' view functions in a request context, small and large alternating. Prints
per page ``<page>: small p50 X ms, large p50 Y ms, ratio R, statements S/L``. ``--src`` runs
another checkout's code (to measure before and after).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _paths(src: str | None) -> None:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path[:0] = [str(Path(src).resolve()) if src else str(_HERE.parent / "src")]


PROVINCE, USER = "P00", "bench.province"


def make_app(url: str, instance: str):
    from casework import create_app

    options = {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SQLALCHEMY_ENGINE_OPTIONS": options, "SERVER_NAME": None},
                      instance_path=instance)


def pages(app):
    """name → callable reading the page in the current request context."""
    import sqlalchemy as sa
    from flask import render_template_string  # noqa: F401

    from casework.areas import criteria
    from casework.areas import views as area_views
    from casework.auth.scope import current_scope
    from casework.extensions import db
    from casework.orgunits.models import OrgUnit
    from casework.plans import reports, services
    from casework.plans import views as plan_views
    from casework.plans.models import Plan
    from casework.web import redaction

    def unit():
        return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == PROVINCE))

    def report():
        r = reports.build_report("six_month", "2026-H1", unit(), current_scope())
        return reports.workbook(r)

    def plan():
        plan_id = db.session.scalar(sa.select(Plan.id).where(Plan.code.like("P00-%")))
        return plan_views.show.__wrapped__(plan_id)

    def dashboard():
        from casework.areas import services as area_services
        return area_services.dashboard(unit())

    def criteria_api():
        return criteria.evaluate_area(unit()).as_dict(shown=redaction.shown_evidence)

    def area_page():
        return area_views.area_page(PROVINCE)

    def plans_index():
        return db.session.scalars(services.plans_in_scope(current_scope())).all()

    return {"report": report, "plan": plan, "dashboard": dashboard, "criteria": criteria_api,
            "area": area_page, "plans": plans_index}


def one(app, name: str) -> tuple[float, int]:
    import sqlalchemy as sa
    from flask import g

    from casework.auth.models import User
    from casework.extensions import db

    with app.test_request_context("/"):
        user = db.session.scalar(sa.select(User).where(User.username == USER))
        g._login_user = user  # signed in without a session row: nothing is written
        count = [0]

        def counted(*_args, **_kw):
            count[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", counted)
        try:
            started = time.perf_counter()
            pages(app)[name]()
            took = time.perf_counter() - started
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counted)
            db.session.rollback()
            db.session.remove()
    return took, count[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages")
    parser.add_argument("--src")
    parser.add_argument("--large", default="casework_national")
    args = parser.parse_args()
    _paths(args.src)
    from sqlalchemy.engine import make_url

    names = args.pages.split(",") if args.pages else [
        "report", "plan", "dashboard", "criteria", "area", "plans"]
    with tempfile.TemporaryDirectory() as tmp:
        apps = {}
        for label, db_name in (("small", "casework_national_small"),
                               ("large", args.large)):
            url = make_url(args.server).set(database=db_name).render_as_string(
                hide_password=False)
            apps[label] = make_app(url, str(Path(tmp) / label))
        worst = (0.0, "")
        for name in names:
            times = {"small": [], "large": []}
            statements = {}
            for r in range(args.rounds + 1):  # the first is a warm-up
                order = ("small", "large") if r % 2 else ("large", "small")
                for label in order:
                    with apps[label].app_context():
                        took, n = one(apps[label], name)
                    if r:
                        times[label].append(took)
                    statements[label] = n
            small, large = (statistics.median(times[k]) * 1000 for k in ("small", "large"))
            ratio = large / small
            worst = max(worst, (ratio, name))
            print(f"{name}: small p50 {small:.0f} ms, large p50 {large:.0f} ms, ratio "
                  f"{ratio:.2f}, statements {statements['small']}/{statements['large']}",
                  flush=True)
        print(f"aggregates: worst ratio {worst[0]:.2f} ({worst[1]})")


if __name__ == "__main__":
    main()
