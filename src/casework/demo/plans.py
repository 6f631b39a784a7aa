"""The two seed plans (../shared/seeds), with every target they state, as data.

Lai Châu city 2024–2025 "Xây dựng thành phố Lai Châu không có ma túy" and the Bắc Cường ward
campaign of 1 September to 14 December 2024. Loading is idempotent by plan code.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework.audit.changes import record_change
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.plans.models import Phase, Plan, Target
from casework.plans.services import plan_values

DRUG_FREE = ["drug_free", "maintained"]
NOT_COMPLEX = ["less_complex", "drug_free", "maintained"]

SEED_PLANS = [
    {
        "code": "LCH-TP-2024-2025",
        "title": "Xây dựng thành phố Lai Châu không có ma túy, giai đoạn 2024–2025",
        "org_unit": "LCH-TP", "start": date(2024, 1, 1), "end": date(2025, 11, 30),
        "six_month": "06-10", "annual": "12-10",
        "summary": "Thực hiện Kế hoạch số 1246/KH-UBND ngày 09/4/2024 của UBND tỉnh Lai Châu.",
        "phases": [
            ("Giai đoạn 1: tổng rà soát, đánh giá", date(2024, 1, 1), date(2024, 3, 31), None),
            ("Giai đoạn 2: xây dựng 55 tổ dân phố, bản", date(2024, 4, 1), date(2025, 3, 14),
             date(2025, 3, 16)),
            ("Giai đoạn 3: chuyển hóa 07 bản San Thàng", date(2025, 3, 15), date(2025, 8, 14),
             date(2025, 8, 16)),
            ("Giai đoạn 4: 07 bản San Thàng không có ma túy", date(2025, 8, 15),
             date(2025, 10, 14), date(2025, 10, 16)),
            ("Giai đoạn 5: tổng kết, công bố thành phố không có ma túy", date(2025, 10, 15),
             date(2025, 11, 30), date(2025, 12, 3)),
        ],
        # (label, metric, params, unit code, value, unit, phase no, deadline, out_of, stated)
        "targets": [
            ("17/72 tổ dân phố, bản đạt 08/08 tiêu chí (kết quả rà soát)",
             "groups_meeting_all_criteria", {}, "LCH-TP", 17, "count", 1, None, 72, None),
            ("Xây dựng thành công ít nhất 45/55 tổ dân phố, bản không có ma túy",
             "areas_recognized", {}, "LCH-TP", 45, "count", 2, None, 55, "83%"),
            ("Chuyển hóa 07 bản San Thàng từ phức tạp thành ít phức tạp",
             "areas_in_state", {"states": NOT_COMPLEX, "kinds": ["village"]}, "LCH-ST", 7,
             "count", 3, date(2025, 8, 14), 7, None),
            ("07 bản San Thàng không có ma túy",
             "areas_in_state", {"states": DRUG_FREE, "kinds": ["village"]}, "LCH-ST", 7,
             "count", 4, date(2025, 10, 14), 7, None),
            ("Công bố thành phố Lai Châu không có ma túy",
             "areas_in_state", {"states": DRUG_FREE, "kinds": ["city"]}, "LCH-TP", 1,
             "count", 5, None, None, None),
        ],
    },
    {
        "code": "LCI-BC-2024-CD",
        "title": "Cao điểm tổng điều tra, rà soát, đấu tranh, truy quét tội phạm về ma túy "
                 "trên địa bàn phường Bắc Cường",
        "org_unit": "LCI-BC", "start": date(2024, 9, 1), "end": date(2024, 12, 14),
        "six_month": None, "annual": None,
        "summary": "Thực hiện Kế hoạch số 276/KH-UBND ngày 23/8/2024 của UBND thành phố Lào Cai.",
        "phases": [
            ("Giai đoạn 1: tổng tấn công, truy quét", date(2024, 9, 1), date(2024, 10, 31),
             None),
            ("Giai đoạn 2: giữ vững kết quả", date(2024, 11, 1), date(2024, 12, 14),
             date(2024, 12, 14)),
        ],
        "targets": [
            ("Tổ chức ít nhất 10 buổi tuyên truyền phòng, chống ma túy", "awareness_sessions",
             {}, "LCI-BC", 10, "count", 2, None, None, None),
            ("Phát thanh hằng ngày trên loa cơ sở: ít nhất 02 lần/ngày, 30 phút/lần "
             "(105 ngày)", "broadcasts", {}, "LCI-BC", 210, "count", 2, None, None,
             "2 lần × 30 phút/ngày"),
            ("95% người sử dụng trái phép chất ma túy có hồ sơ quản lý", "users_managed_pct",
             {}, "LCI-BC", 95, "percent", 2, None, None, None),
            ("100% người nghiện ma túy có hồ sơ quản lý", "addicts_managed_pct", {}, "LCI-BC",
             100, "percent", 2, None, None, None),
            ("Lập hồ sơ đưa 06 đối tượng vào cơ sở cai nghiện bắt buộc",
             "compulsory_dossiers_opened", {}, "LCI-BC", 6, "count", 2, None, None, None),
            ("Bắt, khởi tố 01 vụ án về ma túy", "drug_cases_prosecuted", {}, "LCI-BC", 1,
             "count", 2, None, None, None),
            ("Triệt xóa 100% điểm bán lẻ, tụ điểm ma túy (giai đoạn 1)",
             "hotspots_eliminated_pct", {}, "LCI-BC", 100, "percent", 1, None, None, None),
            ("Giữ vững kết quả triệt xóa điểm bán lẻ (giai đoạn 2)", "hotspots_eliminated_pct",
             {}, "LCI-BC", 100, "percent", 2, None, None, None),
        ],
    },
]


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def load_seed_plans() -> int:
    made = 0
    for spec in SEED_PLANS:
        if db.session.scalar(sa.select(Plan.id).where(Plan.code == spec["code"])):
            continue
        plan = Plan(code=spec["code"], title=spec["title"], org_unit=_unit(spec["org_unit"]),
                    start_date=spec["start"], end_date=spec["end"],
                    six_month_report_due=spec["six_month"], annual_report_due=spec["annual"],
                    summary=spec["summary"])
        phases = []
        for seq, (name, start, end, due) in enumerate(spec["phases"], 1):
            phase = Phase(seq=seq, name=name, start_date=start, end_date=end, report_due=due)
            plan.phases.append(phase)
            phases.append(phase)
        for seq, (label, metric, params, unit, value, kind, phase_no, deadline, out_of,
                  stated) in enumerate(spec["targets"], 1):
            phase = phases[phase_no - 1]
            plan.targets.append(Target(
                seq=seq, label=label, metric=metric, params=params, org_unit=_unit(unit),
                value=value, unit=kind, out_of=out_of, stated=stated, phase=phase,
                deadline=deadline, counted_from=phase.start_date if metric in (
                    "areas_recognized",) else spec["start"]))
        db.session.add(plan)
        # The plan's audit chain starts with its creation, by the system.
        record_change(plan, "create", actor=None, role=None, org_unit_id=plan.org_unit.id,
                      after=plan_values(plan))
        made += 1
    db.session.commit()
    return made
