"""Demo data: Lai Châu city and Bắc Cường ward as the seed plans knew them in 2024, merged on
2025-07-01 into today's wards (phường Tân Phong, phường Đoàn Kết, phường Cam Đường), with one
account per role on today's map.

Names of groups and villages are illustrative. Loading is idempotent: units are imported by
code and existing accounts are left as they are. The database may hold other data: the demo
writes only under its own units (``LCH…``, ``LCI…``) and its own accounts, and
:func:`survey` tells what is there before and after, for the command to say what it adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from casework.areas.models import Area
from casework.auth import services as auth_services
from casework.auth.models import User
from casework.demo.accounts import (  # noqa: F401 - DEMO_ACCOUNTS is part of the demo's API
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    FULL_NAMES,
    HISTORY_ACCOUNTS,
    DemoLoadError,
    account_name,
    demo_usernames,
    ensure_account,
)
from casework.demo.areas import approve_on_2025_map, load_demo_areas
from casework.demo.map2025 import ORGUNITS_2025_CSV, grant_today, open_2025_areas, record_2025_map
from casework.demo.persons import PLAN, demo_units_clause, load_demo_persons
from casework.demo.plans import SEED_PLANS, load_seed_plans
from casework.demo.reviews import load_demo_reviews
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.orgunits.services import get_by_code, import_csv
from casework.people.models import Person
from casework.plans.models import Plan
from casework.recognition.models import RecognitionRequest

ORGUNITS_CSV = Path(__file__).with_name("orgunits.csv")


def load_demo() -> list[tuple[str, str, str]]:
    """Load the demo units and accounts; returns (username, role, unit name) rows.

    The history is recorded on the 2024 map, then the map of 2025 (once): see
    ``casework.demo.map2025``."""
    report = import_csv(ORGUNITS_CSV.read_text(encoding="utf-8"))
    if not report.ok:  # the shipped file is wrong: a bug, not user input
        raise DemoLoadError("; ".join(f"line {n}: {m}" for n, m in report.errors))
    for name, _full_name, role, code in HISTORY_ACCOUNTS:
        auth_services.grant_role(ensure_account(name), role, get_by_code(code))
    db.session.commit()
    load_demo_persons()
    load_demo_areas()
    load_seed_plans()
    record_2025_map()
    grant_today(DEMO_ACCOUNTS)
    approve_on_2025_map()
    open_2025_areas()
    db.session.commit()
    load_demo_reviews()
    db.session.commit()
    shown = []
    for name, _full_name, role, code in DEMO_ACCOUNTS:
        user = ensure_account(name)
        shown.append((user.username, role, get_by_code(code).name))
    return shown


# --- what is there, what the demo adds --------------------------------------------------------


def _demo_codes() -> list[str]:
    lines = [line for csv in (ORGUNITS_CSV, ORGUNITS_2025_CSV)
             for line in csv.read_text(encoding="utf-8").splitlines()[1:]]
    return [line.split(",", 1)[0] for line in lines if line.strip()]


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


@dataclass(frozen=True)
class Survey:
    """The demo's data in the database, and the other data it leaves as they are."""

    units: int
    accounts: int
    persons: int
    areas: int
    requests: int
    plans: int
    other_units: int
    other_persons: int
    other_users: int

    def other(self) -> str | None:
        """The other data in words, or None when there are none."""
        if not (self.other_units or self.other_persons or self.other_users):
            return None
        return (f"{_n(self.other_units, 'unit')}, {_n(self.other_persons, 'person')} and "
                f"{_n(self.other_users, 'user')}")

    def adding(self) -> str:
        """What loading the demo adds to what is there now, in words."""
        parts = []
        if self.units < len(_demo_codes()):
            parts.append(_n(len(_demo_codes()) - self.units, "unit"))
        accounts = len(FULL_NAMES)  # today's, the 2024 map's and the seed account
        if self.accounts < accounts:
            parts.append(_n(accounts - self.accounts, "account"))
        if not self.persons:
            parts.append(_n(sum(count for _state, count, _days in PLAN), "synthetic person"))
        if not self.areas:
            parts.append("the area records of every demo unit, with their facts and "
                         "recognition requests")
        if self.plans < len(SEED_PLANS):
            parts.append(_n(len(SEED_PLANS) - self.plans, "plan"))
        return ", ".join(parts) or "nothing new (the demo data are there already)"

    def added_since(self, before: Survey) -> str:
        """What was added since ``before``, in words."""
        parts = [_n(now - then, word) for word, now, then in (
            ("unit", self.units, before.units), ("account", self.accounts, before.accounts),
            ("person", self.persons, before.persons), ("area record", self.areas, before.areas),
            ("recognition request", self.requests, before.requests),
            ("plan", self.plans, before.plans)) if now > then]
        return ", ".join(parts) or "nothing"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def survey() -> Survey:
    """Count the demo's data and the others (the demo's units found by their codes)."""
    codes = _demo_codes()
    demo_unit_ids = sa.select(OrgUnit.id).where(OrgUnit.code.in_(codes))
    names = demo_usernames()
    demo_users = sa.select(User).where(User.username.in_(names),
                                       User.full_name.in_(set(FULL_NAMES.values())))
    demo_persons = Person.external_id.like("demo-%")
    has_roots = db.session.scalar(sa.select(OrgUnit.id).where(
        OrgUnit.code.in_(("LCH-TP", "LCI-BC"))).limit(1)) is not None
    in_demo = (demo_units_clause() if has_roots else sa.false())
    return Survey(
        units=_count(demo_unit_ids),
        accounts=_count(demo_users),
        persons=_count(sa.select(Person.id).where(demo_persons)),
        areas=_count(sa.select(Area.id).join(OrgUnit, OrgUnit.id == Area.org_unit_id)
                     .where(in_demo)),
        requests=_count(sa.select(RecognitionRequest.id)
                        .join(OrgUnit, OrgUnit.id == RecognitionRequest.org_unit_id)
                        .where(in_demo)),
        plans=_count(sa.select(Plan.id).where(Plan.code.in_([p["code"] for p in SEED_PLANS]))),
        other_units=_count(sa.select(OrgUnit.id).where(OrgUnit.code.not_in(codes))),
        other_persons=_count(sa.select(Person.id).where(
            sa.or_(Person.external_id.is_(None), sa.not_(demo_persons)))),
        other_users=_count(sa.select(User.id).where(User.id.not_in(
            demo_users.with_only_columns(User.id)))),
    )


def renamed_accounts() -> list[tuple[str, str]]:
    """(name, username) of the demo's accounts whose name another account holds."""
    return [(name, account_name(name)) for name in dict.fromkeys(
        n for n, *_rest in DEMO_ACCOUNTS) if account_name(name) != name]
