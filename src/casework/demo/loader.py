"""Demo data: Lai Châu city and Bắc Cường ward, with one account per role.

Names of groups and villages are illustrative. Loading is idempotent: units are imported by
code and existing accounts are left as they are.
"""

from __future__ import annotations

from pathlib import Path

from casework.auth import services as auth_services
from casework.demo.areas import load_demo_areas
from casework.demo.persons import load_demo_persons
from casework.demo.plans import load_seed_plans
from casework.extensions import db
from casework.orgunits.services import get_by_code, import_csv

DEMO_PASSWORD = "casework-demo"

ORGUNITS_CSV = Path(__file__).with_name("orgunits.csv")

# (username, full name, role, org unit code)
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("admin", "Quản trị Demo", "admin", "LCH-TP"),
    ("admin", "Quản trị Demo", "admin", "LCI-BC"),
    ("police", "Công an Đoàn Kết (demo)", "police", "LCH-DK"),
    ("health", "Trạm Y tế Đoàn Kết (demo)", "health", "LCH-DK"),
    ("social", "Cán bộ LĐTBXH Đoàn Kết (demo)", "social_affairs", "LCH-DK"),
    ("chair", "Chủ tịch UBND phường Đoàn Kết (demo)", "commune_chair", "LCH-DK"),
    ("inspector", "Tổ kiểm tra thành phố (demo)", "inspector", "LCH-TP"),
    ("steering", "Ban Chỉ đạo thành phố (demo)", "steering_committee", "LCH-TP"),
    ("city", "UBND thành phố Lai Châu (demo)", "city_authority", "LCH-TP"),
    ("viewer", "Giám sát MTTQ (demo)", "viewer", "LCH-TP"),
    ("police.bc", "Công an phường Bắc Cường (demo)", "police", "LCI-BC"),
]


class DemoLoadError(RuntimeError):
    pass


def load_demo() -> list[tuple[str, str, str]]:
    """Load the demo units and accounts; returns (username, role, unit name) rows."""
    report = import_csv(ORGUNITS_CSV.read_text(encoding="utf-8"))
    if not report.ok:  # the shipped file is wrong: a bug, not user input
        raise DemoLoadError("; ".join(f"line {n}: {m}" for n, m in report.errors))
    shown = []
    for username, full_name, role, code in DEMO_ACCOUNTS:
        unit = get_by_code(code)
        user = auth_services.get_user(username)
        if user is None:
            user = auth_services.create_user(username, DEMO_PASSWORD, full_name=full_name)
        auth_services.grant_role(user, role, unit)
        shown.append((username, role, unit.name))
    db.session.commit()
    load_demo_persons()
    load_demo_areas()
    load_seed_plans()
    return shown
