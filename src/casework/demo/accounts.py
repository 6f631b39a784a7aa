"""The demo's accounts: one per role, and the one that records the demo's history.

A name another account already holds (a real ``admin`` of the database the demo is loaded
into) is left to it: the demo's account is then ``<name>.demo``, and the demo says so. An
account is the demo's when it carries the demo's full name for it.
"""

from __future__ import annotations

import secrets

from casework.auth import services as auth_services

DEMO_PASSWORD = "casework-demo"
SEED_USER = "du-lieu-mau"
SEED_FULL_NAME = "Nạp dữ liệu mẫu (demo)"

# (username, full name, role, org unit code) on today's map (WORKFLOWS.md §6): the wards made
# on 2025-07-01. The admin holds both provinces.
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("admin", "Quản trị Demo", "admin", "LCH"),
    ("admin", "Quản trị Demo", "admin", "LCI"),
    ("police", "Công an Đoàn Kết (demo)", "police", "LCH-P-DK"),
    ("health", "Trạm Y tế Đoàn Kết (demo)", "health", "LCH-P-DK"),
    ("social", "Cán bộ LĐTBXH Đoàn Kết (demo)", "social_affairs", "LCH-P-DK"),
    ("chair", "Chủ tịch UBND phường Đoàn Kết (demo)", "commune_chair", "LCH-P-DK"),
    ("inspector", "Tổ kiểm tra thành phố (demo)", "inspector", "LCH"),
    ("steering", "Ban Chỉ đạo thành phố (demo)", "steering_committee", "LCH"),
    ("chair.tp", "Chủ tịch UBND phường Tân Phong (demo)", "commune_chair", "LCH-P-TPH"),
    # The approvers of WORKFLOWS.md §11 since 2025-07-01: the ward chairs for their villages
    # and groups, the province for its communes and wards; the province also approves the
    # communes' yearly QĐ 28/2025 reviews (Art 7).
    ("province", "UBND tỉnh Lai Châu (demo)", "province_authority", "LCH"),
    ("viewer", "Giám sát MTTQ (demo)", "viewer", "LCH"),
    ("police.bc", "Công an phường Bắc Cường (demo)", "police", "LCI-P-CD"),
]
# The same accounts on the 2024 map, which the demo's history (2024-2025) was recorded on.
# These grants stay after the merger: they read the old units' past and act no more. The
# city's account approved until 2025-06-30 and has no unit on today's map.
HISTORY_ACCOUNTS: list[tuple[str, str, str, str]] = [
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
    ("province", "UBND tỉnh Lai Châu (demo)", "province_authority", "LCH"),
    ("police.bc", "Công an phường Bắc Cường (demo)", "police", "LCI-BC"),
]
FULL_NAMES = {username: full_name
              for username, full_name, _r, _u in DEMO_ACCOUNTS + HISTORY_ACCOUNTS}
FULL_NAMES[SEED_USER] = SEED_FULL_NAME


class DemoLoadError(RuntimeError):
    """The demo cannot be loaded into this database; the message says why."""


def account_name(name: str) -> str:
    """The username of the demo's account ``name`` in this database: ``name`` itself, or
    ``name.demo`` when another account holds ``name``."""
    full_name = FULL_NAMES[name]
    for candidate in (name, f"{name}.demo"):
        user = auth_services.get_user(candidate)
        if user is None or user.full_name == full_name:
            return candidate
    raise DemoLoadError(f"the user names {name} and {name}.demo are taken by other accounts")


def demo_user(name: str):
    """The demo's account ``name``, or the account of that username (None when missing)."""
    return auth_services.get_user(account_name(name) if name in FULL_NAMES else name)


def ensure_account(name: str, active: bool = True):
    """The demo's account ``name``, created when missing (the seed account with a password
    nobody knows, and disabled: it records the demo's history, nobody signs in with it)."""
    username = account_name(name)
    user = auth_services.get_user(username)
    if user is None:
        password = DEMO_PASSWORD if active else secrets.token_urlsafe(32)
        user = auth_services.create_user(username, password, full_name=FULL_NAMES[name])
        user.active = active
    return user


def demo_usernames() -> set[str]:
    """The usernames the demo's accounts have (or will have) in this database."""
    return {account_name(name) for name in FULL_NAMES}
