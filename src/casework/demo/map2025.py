"""The demo's map of 2025 (WORKFLOWS.md §6): the 2024 units of the seed plans merged into
today's wards on 2025-07-01, and the two cities ended (the district level was abolished).

The demo's history is loaded on the 2024 map (the seed plans were written for it); the
mergers are then recorded once, through the same verbs as ``casework orgunits merge``, and
the demo accounts are given today's units. Persons keep their villages: nothing about them
is rewritten. Re-running is a no-op once the mergers are recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casework.auth import services as auth_services
from casework.demo.accounts import DemoLoadError, demo_user, ensure_account
from casework.extensions import db
from casework.orgunits import history, successions
from casework.orgunits.services import get_by_code, import_csv

MERGE_DAY = date(2025, 7, 1)
ORGUNITS_2025_CSV = Path(__file__).with_name("orgunits-2025.csv")

# (old units, new unit, legal basis). Nùng Nàng, Bản Giang, Lản Nhì Thàng, Sùng Phài and the
# other Cam Đường wards are not in the demo. Nậm Loỏng is the demo's illustrative commune: it
# is not in NQ 1670, and the demo merges it into phường Đoàn Kết.
MERGERS: list[tuple[list[str], str, str]] = [
    (["LCH-TPH", "LCH-DP", "LCH-ST"], "LCH-P-TPH", "NQ 1670/NQ-UBTVQH15 Art 1.35"),
    (["LCH-DK", "LCH-QT", "LCH-QTI", "LCH-NL"], "LCH-P-DK",
     "NQ 1670/NQ-UBTVQH15 Art 1.36 (Xã Nậm Loỏng: minh họa, demo)"),
    (["LCI-BC"], "LCI-P-CD", "NQ 1673/NQ-UBTVQH15 Art 1.89"),
]
# The cities end the day before the merger: no level between province and ward since then.
ENDED = [("LCH-TP", "NQ 1670/NQ-UBTVQH15"), ("LCI-TP", "NQ 1673/NQ-UBTVQH15")]


def import_2025_units() -> None:
    """Create today's wards (idempotent by code)."""
    report = import_csv(ORGUNITS_2025_CSV.read_text(encoding="utf-8"))
    if not report.ok:  # the shipped file is wrong: a bug, not user input
        raise DemoLoadError("; ".join(f"line {n}: {m}" for n, m in report.errors))


def record_2025_map() -> int:
    """Record the mergers and the cities' end once; returns how many successions were
    written now (0 when the map of 2025 is there already)."""
    import_2025_units()
    actor = demo_user("admin")
    written = 0
    for olds, new, basis in MERGERS:
        if history.direct_predecessors(get_by_code(new)):
            continue
        successions.merge(olds, new, MERGE_DAY, basis, actor=actor, role="admin",
                          dry_run=False)
        written += 1
    for code, basis in ENDED:
        if get_by_code(code).valid_to is None:
            successions.end(code, MERGE_DAY, basis, actor=actor, role="admin", dry_run=False)
            written += 1
    db.session.flush()
    return written


def open_2025_areas() -> int:
    """The area records of today's wards (their villages' records are the 2024 ones)."""
    from casework.areas import services as areas
    from casework.demo.areas import at

    units = [get_by_code(new) for _olds, new, _basis in MERGERS]
    return areas.ensure_areas(units, demo_user("admin"), effective_at=at(MERGE_DAY, 8))


def grant_today(accounts) -> None:
    """Give the demo accounts their units of today's map (the 2024 grants stay, to read the
    past: WORKFLOWS.md §6)."""
    for name, _full_name, role, code in accounts:
        auth_services.grant_role(ensure_account(name), role, get_by_code(code))
