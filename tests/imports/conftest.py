"""Fixtures for imports: files built from rows, as CSV or XLSX, and the importing officers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from casework.auth.scope import Scope
from tests.clock import vn_today

PERSON_COLUMNS = ("external_id", "full_name", "birth_date", "gender", "area_code", "state",
                  "state_since", "decision_no", "decision_date", "start_date",
                  "planned_months", "facility", "months")


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def ago(days: int) -> date:
    return vn_today() - timedelta(days=days)


def person_row(external_id: str, state: str = "suspected", **values) -> dict:
    """One row of a persons file; the state's facts default to plausible past dates."""
    row = {"external_id": external_id, "full_name": f"Người Nhập {external_id}",
           "birth_date": "17/05/1990", "gender": "nam", "area_code": "G11", "state": state}
    defaults = {
        "managed_user": {"decision_no": "12/QĐ-UBND", "decision_date": ddmmyyyy(ago(100))},
        "rehab_community": {"decision_no": "7/QĐ", "start_date": ddmmyyyy(ago(200)),
                            "planned_months": "6"},
        "post_rehab": {"start_date": ddmmyyyy(ago(30)), "months": "12"},
    }.get(state, {"state_since": ddmmyyyy(ago(3))})
    row.update(defaults)
    row.update(values)
    return row


def csv_bytes(rows: list[dict], columns=None) -> bytes:
    columns = list(columns or PERSON_COLUMNS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English here (the default language is Vietnamese)."""
    with force_locale("en"):
        yield


@pytest.fixture
def officer(make_user):
    """A police officer of ward W1 (groups G11, G12), who may import persons there."""
    return make_user("importer", ("police", "W1"), ("health", "W1"))


@pytest.fixture
def scope_of():
    return Scope.for_user
