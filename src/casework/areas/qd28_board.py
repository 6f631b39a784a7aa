"""The province dashboard's QĐ 28/2025 panel: communes by type and drug-free communes in the
current review period, and the countdown to the province's report (before 20 December).

The dates are data (criteria/qd28-2025.yaml, read by ``qd28``); the approved classifications
come from the annual review through ``qd28.APPROVED_SOURCES``.
"""

from __future__ import annotations

from datetime import date, timedelta

from casework.areas import qd28
from casework.db import today_local
from casework.orgunits.models import OrgUnit

TYPES = ("type_1", "type_2", "type_3", "none")


def report_deadline(year: int) -> date:
    """The day the period's report is due *before* (20/12): the first day late."""
    return qd28.report_due(year) + timedelta(days=1)


def countdown(today: date | None = None) -> dict:
    """Days left to the report of ``today``'s calendar year (the period that ends on 14/12 of
    it), until its deadline has passed; then to the next one's.

    ``days`` is 1 on the last day (19/12) and 0 on the deadline itself (20/12: late)."""
    today = today or today_local()
    year = today.year if today <= report_deadline(today.year) else today.year + 1
    deadline = report_deadline(year)
    return {"year": year, "deadline": deadline, "last_day": qd28.report_due(year),
            "days": (deadline - today).days}


def board(root: OrgUnit, today: date | None = None) -> dict | None:
    """The panel for ``root`` (None when no commune, ward or special zone lies under it)."""
    today = today or today_local()
    # The period being reported: the one that ended on 14/12 until its report is due (20/12),
    # the period under way otherwise.
    year = countdown(today)["year"]
    start, end = qd28.review_period(year)
    results = qd28.classify_communes(root, year, min(today, end), evidence=False)
    if not results:
        return None
    communes = [r.unit for r in results]
    computed = dict.fromkeys(TYPES, 0)
    in_force = dict.fromkeys((*TYPES, "drug_free"), 0)
    drug_free = 0
    approved_before = qd28.approved_many(communes, year - 1)
    for result in results:
        computed[result.type] = computed.get(result.type, 0) + 1
        drug_free += result.drug_free_met
        approved = approved_before.get(result.unit.id)
        if approved and approved.get("classification") in in_force:
            in_force[approved["classification"]] += 1
    return {
        "year": year, "start": start, "end": end, "total": len(communes),
        "types": [{"code": t, "label": str(qd28.CLASSIFICATION_LABELS[t]),
                   "count": computed[t]} for t in TYPES],
        "drug_free": drug_free,
        "approved": [{"code": c, "label": str(qd28.CLASSIFICATION_LABELS[c]),
                      "count": n} for c, n in in_force.items()],
        "approved_total": sum(in_force.values()),
        "countdown": countdown(today),
    }
