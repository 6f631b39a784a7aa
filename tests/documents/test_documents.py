"""Official documents (INTERFACES.md, "Documents"): a decision in a person's history filled
into its form, downloaded as a .docx and opened with python-docx."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.exports import ExportEntry
from casework.auth import services as auth_services
from casework.db import today_local
from casework.orgunits.models import OrgUnit
from casework.workflow import engine
from tests.conftest import get_token
from tests.documents.conftest import DOCX, seq_of, text_of
from tests.plans.test_map_of_2025 import merged  # noqa: F401 - a fixture

URL = "/api/v1/persons/{id}/documents/{seq}"


def _get(client, person, seq):
    return client.get(URL.format(id=person.id, seq=seq))


def test_management_decision_is_form_07_filled_in(db, api_as, resident):
    person = resident("managed_user", "G11", since=300, name="Trần Thị Mẫu")
    seq = seq_of(db, person, "decide_management")
    response = _get(api_as(("commune_chair", "W1")), person, seq)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == DOCX
    assert f"mau-07-{person.id}-{seq}.docx" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert "Trần Thị Mẫu" in text and "Số: 15/QĐ-UBND" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Mẫu số 07" in text and "Nghị định số 105/2021/NĐ-CP" in text
    # The legal basis of the version that judged the event (Law 73: version 1).
    assert "Luật 73/2021/QH14 Điều 23.4; Nghị định 105/2021 Điều 42" in text
    assert "PHƯỜNG MỘT" in text and "MẪU TẠM" not in text
    assert "02/03/1985" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG MỘT" in text
    # The signer: the account's post when it has one, else the role they acted in.
    assert "CHỦ TỊCH UBND XÃ/PHƯỜNG" in text and "Cán bộ qd28." in text


def test_each_download_is_logged_like_an_export(db, api_as, resident):
    person = resident("managed_user", "G11", since=300)
    seq = seq_of(db, person, "decide_management")
    client = api_as(("police", "W1"))
    assert _get(client, person, seq).status_code == 200
    assert _get(client, person, seq).status_code == 200
    rows = db.session.scalars(sa.select(ExportEntry).where(
        ExportEntry.kind == "document:mau-07")).all()
    assert len(rows) == 2
    assert {(r.format, r.row_count) for r in rows} == {("docx", 1)}
    assert rows[0].filters == {"person_id": person.id, "seq": seq}
    assert rows[0].org_unit.code == "G11"


def test_voluntary_rehab_is_form_24(db, api_as, resident):
    person = resident("rehab_community", "G11", since=300)
    seq = seq_of(db, person, "register_voluntary_rehab")
    text = text_of(_get(api_as(("police", "W1")), person, seq).data)
    assert "Mẫu số 24" in text and "Số: 21/QĐ" in text
    assert "tại gia đình, cộng đồng" in text and "6 tháng" in text


def test_the_entry_that_entered_post_rehab_is_form_51(db, api_as, resident):
    person = resident("post_rehab", "G11", since=500)
    seq = seq_of(db, person, to_state="post_rehab")
    text = text_of(_get(api_as(("police", "W1")), person, seq).data)
    assert "Mẫu số 51" in text and "quản lý sau cai nghiện" in text
    assert "Nguyễn Văn Thử" in text


@pytest.mark.parametrize("event", ["open", "record_test"])
def test_an_entry_without_a_form_is_404(db, api_as, resident, event):
    person = resident("managed_user", "G11", since=300)
    response = _get(api_as(("police", "W1")), person, seq_of(db, person, event))
    assert response.status_code == 404


def test_a_missing_entry_or_person_is_404(db, api_as, resident):
    person = resident("managed_user", "G11", since=300)
    client = api_as(("police", "W1"))
    assert _get(client, person, 99).status_code == 404
    assert client.get(URL.format(id=person.id + 1000, seq=1)).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportEntry)) == 0


@pytest.mark.parametrize(("role", "unit", "status"), [
    ("police", "W1", 200), ("commune_chair", "W1", 200), ("social_affairs", "C", 200),
    ("health", "W1", 200),
    ("police", "W2", 404),         # another ward: out of scope
    ("inspector", "C", 403),       # reads names, does not work the case
    ("viewer", "C", 404),          # never names, never the document
    ("admin", "C", 404),
])
def test_scope_and_role_table(db, api_as, resident, role, unit, status):
    person = resident("managed_user", "G11", since=300)
    response = _get(api_as((role, unit)), person, seq_of(db, person, "decide_management"))
    assert response.status_code == status
    if status != 200:
        assert response.mimetype != DOCX and "Nguyễn" not in response.get_data(as_text=True)


def test_the_page_downloads_it_with_a_session(db, page_as, resident):
    person = resident("managed_user", "G11", since=300)
    seq = seq_of(db, person, "decide_management")
    client = page_as("commune_chair", "W1")
    html = client.get(f"/persons/{person.id}").get_data(as_text=True)
    assert f"/persons/{person.id}/documents/{seq}" in html
    assert html.count("/documents/") == 1  # only the decision has a form
    response = client.get(f"/persons/{person.id}/documents/{seq}")
    assert response.status_code == 200 and "Nguyễn Văn Thử" in text_of(response.data)
    inspector = page_as("inspector", "C")
    assert "/documents/" not in inspector.get(f"/persons/{person.id}").get_data(as_text=True)
    assert inspector.get(f"/persons/{person.id}/documents/{seq}").status_code == 403
    assert page_as("viewer", "C").get(f"/persons/{person.id}/documents/{seq}").status_code == 404


def _client_over(app, db, code: str, role: str = "police"):
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    officer = auth_services.create_user(f"{role}.{code.lower()}", "Mật-khẩu-dài-1234",
                                        full_name="Lê Văn Ký")
    auth_services.grant_role(officer, role, unit)
    db.session.commit()
    client = app.test_client()
    token = get_token(app, officer.username, "Mật-khẩu-dài-1234")
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("since", "letterhead", "not_there"), [
    (700, "PHƯỜNG MỘT", "PHƯỜNG MỚI"),   # decided 2025-01: before the merger of 2025-07-01
    (400, "PHƯỜNG MỚI", "PHƯỜNG MỘT"),   # decided after it
])
def test_the_letterhead_names_the_unit_as_of_the_decision(app, db, merged, resident,  # noqa: F811
                                                          since, letterhead, not_there):
    person = resident("managed_user", "G11", since=since)
    seq = seq_of(db, person, "decide_management")
    client, headers = _client_over(app, db, "N")
    response = client.get(URL.format(id=person.id, seq=seq), headers=headers)
    assert response.status_code == 200, response.get_json()
    text = text_of(response.data)
    assert letterhead in text and not_there not in text


def test_the_merger_day_and_its_eve(app, db, merged, person, user):  # noqa: F811
    """2025-06-30 is the old ward's last day; 2025-07-01 the new ward's first."""
    client, headers = _client_over(app, db, "N")
    for day, expected in ((date(2025, 6, 30), "PHƯỜNG MỘT"), (date(2025, 7, 1), "PHƯỜNG MỚI")):
        row, drive = person("G11", since=(datetime.now(UTC).date() - day).days + 30)
        drive("record_test", "health", {
            "test_date": (day - timedelta(days=3)).isoformat(), "sample": "urine",
            "substances": ["heroin"], "result": "positive", "facility": "Trạm Y tế"},
            days_ago=(datetime.now(UTC).date() - day).days + 3)
        drive("decide_management", "commune_chair",
              {"decision_no": "5/QĐ-UBND", "decision_date": day.isoformat()},
              days_ago=(datetime.now(UTC).date() - day).days - 0.2)
        db.session.commit()
        seq = seq_of(db, row, "decide_management")
        text = text_of(client.get(URL.format(id=row.id, seq=seq), headers=headers).data)
        assert expected in text, (day, expected)


def test_a_version_2_decision_is_marked_provisional(db, api_as, resident, user):
    person = resident("rehab_community", "G11", since=100)
    assert person.workflow_version == 2
    seq = seq_of(db, person, "register_voluntary_rehab")
    text = text_of(_get(api_as(("police", "W1")), person, seq).data)
    assert "MẪU TẠM" in text and "Luật 120/2025" in text


def test_the_monitoring_decision_is_ours_and_provisional(db, api_as, resident, user):
    person = resident("rehab_community", "G11", since=100)
    engine.fire(person, "order_monitoring", user("police", "G11"),
                data={"decision_no": "03/QĐ-CAP", "decision_date": today_local().isoformat(),
                      "months": 12}, effective_at=datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()
    seq = seq_of(db, person, "order_monitoring")
    text = text_of(_get(api_as(("police", "W1")), person, seq).data)
    assert "MẪU TẠM" in text and "giám sát điện tử" in text and "03/QĐ-CAP" in text
    assert "CÔNG AN" in text
