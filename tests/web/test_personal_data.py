"""Names never reach `viewer` or `admin`: a role × page sweep over planted free text.

Every free-text field the system has is planted once with a unique marker: person names and
addresses, fact descriptions and notes, hotspot names and addresses, audit reasons, the text
fields of event data, recognition notes and files, an import's file name. Then `viewer`,
`admin` and `police`, each over the whole tree, fetch every GET page and endpoint of the app
(the table below must list every GET rule of ``app.url_map`` and every GET of the OpenAPI
document): `viewer` and `admin` never see a marker (decoded CSV and XLSX included), and the
`police` do see them where they belong, which proves they were planted and rendered. Fields
declared public by the redaction policy carry a PUBLIC marker that everyone sees.

The data is planted once for the module, in one transaction rolled back at its end.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from casework.areas import qd28
from casework.areas import services as area_services
from casework.areas.models import AreaFact
from casework.audit.models import AuditEntry
from casework.auth import services as auth_services
from casework.auth.scope import Scope
from casework.extensions import db as _db
from casework.imports.models import ImportBatch
from casework.jobs import runner
from casework.orgunits.services import create_orgunit
from casework.people import attachments as person_attachments
from casework.people import services as person_services
from casework.plans.models import Phase, Plan, Target
from casework.recognition import services as recognition
from casework.reviews import services as reviews
from casework.workflow import engine
from casework.workflow.deadlines import local_date, today_local
from tests.conftest import PageClient

SECRET = "PLANTED"  # every personal marker starts with it
NATIONAL_ID = "001090077777"
PDF = b"%PDF-1.4\n% planted test file\n%%EOF\n"


def ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def day(days: float) -> str:
    return local_date(ago(days)).isoformat()


# --- the planted data -------------------------------------------------------------------------


@dataclass
class Planted:
    ids: dict[str, object] = field(default_factory=dict)


def _users(units) -> dict:
    users = {}
    grants = {
        "viewer": [("viewer", "C"), ("viewer", "D")],
        "admin": [("admin", "C"), ("admin", "D")],
        "police": [("police", "C"), ("police", "D")],
        "health": [("health", "C")], "chair": [("commune_chair", "C")],
        "social": [("social_affairs", "C")], "inspector": [("inspector", "C")],
        "steering": [("steering_committee", "C")],
        "province": [("province_authority", "C")],
    }
    for name, pairs in grants.items():
        user = auth_services.create_user(f"sweep.{name}", "correct horse battery",
                                         full_name=f"Cán bộ {name}")
        for role, code in pairs:
            auth_services.grant_role(user, role, units[code])
        users[name] = user
    return users


def _person(users, units, code: str, name: str, days: float, **extra):
    values = {"full_name": name, "birth_date": datetime(1990, 5, 17).date(), "gender": "male",
              "area_code": code, "confirm_new": True, "effective_at": ago(days), **extra}
    return person_services.create_person(values, users["police"],
                                         Scope.for_user(users["police"]))


def _plant() -> Planted:
    units = {"C": create_orgunit("C", "Thành phố Quét", "city", None)}
    units["W1"] = create_orgunit("W1", "Phường Quét Một", "ward", units["C"])
    units["W2"] = create_orgunit("W2", "Phường Quét Hai", "ward", units["C"])
    units["G11"] = create_orgunit("G11", "Tổ Quét 11", "residential_group", units["W1"])
    units["G12"] = create_orgunit("G12", "Tổ Quét 12", "residential_group", units["W1"])
    units["G21"] = create_orgunit("G21", "Tổ Quét 21", "residential_group", units["W2"])
    units["D"] = create_orgunit("D", "Thành phố Khác", "city", None)
    users = _users(units)
    fire = engine.fire
    out = Planted()

    # A person walked through many events, each with free text in its data and reason.
    p1 = _person(users, units, "G11", f"Nguyễn {SECRET}-person-name", 400,
                 address=f"{SECRET}-person-address", national_id=NATIONAL_ID,
                 external_id=f"{SECRET}-external-id")
    steps = [
        ("record_test", "health", {"test_date": day(390), "sample": "urine",
                                   "substances": [f"{SECRET}-substance"], "result": "positive",
                                   "facility": f"{SECRET}-test-facility"}, 390),
        ("decide_management", "chair", {"decision_no": f"{SECRET}-decision",
                                        "decision_date": day(385)}, 385),
        ("check_residence", "police", {"check_date": day(380), "present": True,
                                       "note": f"{SECRET}-check-note"}, 380),
        ("request_assessment", "police", {"grounds": f"{SECRET}-assessment-grounds"}, 370),
        ("record_assessment", "health", {"assessment_date": day(365),
                                         "facility": f"{SECRET}-assessment-facility",
                                         "doctor": f"{SECRET}-doctor", "criteria_met": 4,
                                         "addicted": True}, 365),
        ("register_voluntary_rehab", "social", {"setting": "facility",
                                                "decision_no": f"{SECRET}-rehab-decision",
                                                "start_date": day(360), "planned_months": 6,
                                                "facility": f"{SECRET}-rehab-facility"}, 360),
        ("abandon_rehab", "police", {}, 200),
        ("record_court_decision", "police", {"court": f"{SECRET}-court",
                                             "decision_no": f"{SECRET}-court-decision",
                                             "decision_date": day(190), "ordered": True,
                                             "months": 12}, 190),
    ]
    for event, who, data, days in steps:
        fire(p1, event, users[who], data=data, reason=f"{SECRET}-reason-{event}",
             effective_at=ago(days))
    out.ids["person"] = p1.id
    # A paper of the person's file, and the management decision's document (Mẫu 07).
    paper = person_attachments.add_attachment(
        p1, users["police"], io.BytesIO(PDF), f"{SECRET}-paper.pdf", "statement",
        Scope.for_user(users["police"]), f"{SECRET}-paper-note")
    out.ids["paper"] = paper.id
    out.ids["decision_seq"] = _db.session.scalar(sa.select(AuditEntry.seq).where(
        AuditEntry.record_id == p1.id, AuditEntry.record_type == "person",
        AuditEntry.event == "decide_management"))
    # Overdue (a test due within 10 days of opening): on "my work" and in the reports.
    p2 = _person(users, units, "G11", f"Trần {SECRET}-overdue-name", 30)
    # Positive and past the decision deadline: named by criteria C3 and C5.
    p3 = _person(users, units, "G11", f"Lê {SECRET}-criteria-name", 60)
    fire(p3, "record_test", users["health"], data={
        "test_date": day(50), "sample": "urine", "substances": ["heroin"],
        "result": "positive", "facility": f"{SECRET}-p3-facility"}, effective_at=ago(50))
    _person(users, units, "G21", f"Phạm {SECRET}-other-ward-name", 20)
    out.ids["p2"], out.ids["p3"] = p2.id, p3.id

    # The area of G11: classified, escalated with grounds, downgraded with public minutes.
    area = area_services.ensure_area(units["G11"], users["police"], effective_at=ago(300))
    fire(area, "classify", users["police"], data={"level": "less_complex",
                                                  "assessment_date": day(299)},
         reason=f"{SECRET}-classify-reason", effective_at=ago(299))
    fire(area, "escalate", users["police"], data={"grounds": f"{SECRET}-escalate-grounds"},
         reason=f"{SECRET}-escalate-reason", effective_at=ago(290))
    fire(area, "downgrade", users["steering"], data={"minutes_no": "PUBLIC-minutes"},
         reason=f"{SECRET}-downgrade-reason", effective_at=ago(280))

    # Facts of every kind, each with its free text.
    police_id = users["police"].id
    facts = {}
    for kind in ("dealer", "use_venue", "ring", "drug_plants", "offender"):
        extra = {"resident_since": local_date(ago(200))} if kind == "offender" else {}
        facts[kind] = AreaFact(kind=kind, org_unit=units["G11"], found_date=local_date(ago(100)),
                               description=f"{SECRET}-{kind}-description",
                               note=f"{SECRET}-{kind}-note", recorded_by_id=police_id,
                               **extra)
    facts["household_tally"] = AreaFact(
        kind="household_tally", org_unit=units["G11"], households_total=10,
        households_signed=9, as_of=local_date(ago(90)), note=f"{SECRET}-tally-note",
        recorded_by_id=police_id)
    facts["hotline_board"] = AreaFact(kind="hotline_board", org_unit=units["G11"],
                                      present=True, verified_on=local_date(ago(90)),
                                      note=f"{SECRET}-board-note", recorded_by_id=police_id)
    facts["prevention_model"] = AreaFact(
        kind="prevention_model", org_unit=units["G11"], name="PUBLIC-model-name",
        decision_no="PUBLIC-model-decision", started_on=local_date(ago(90)),
        note=f"{SECRET}-model-note", recorded_by_id=police_id)
    facts["awareness_activity"] = AreaFact(
        kind="awareness_activity", org_unit=units["G11"], activity_type="session",
        activity_date=local_date(ago(80)), minutes=60, audience=40,
        note=f"{SECRET}-activity-note", recorded_by_id=police_id)
    _db.session.add_all(facts.values())
    _db.session.flush()
    out.ids["fact"] = facts["dealer"].id

    # A hotspot with its own workflow: name and address, reasons and notes.
    hotspot = area_services.record_fact(units["G11"], users["police"], {
        "kind": "hotspot", "name": f"{SECRET}-hotspot-name",
        "address": f"{SECRET}-hotspot-address", "found_date": day(100)},
        Scope.for_user(users["police"]), effective_at=ago(100))
    fire(hotspot, "watch", users["police"], reason=f"{SECRET}-watch-reason",
         effective_at=ago(90))
    fire(hotspot, "eliminate", users["police"], data={
        "eliminated_date": day(80), "note": f"{SECRET}-eliminate-note"},
        reason=f"{SECRET}-eliminate-reason", effective_at=ago(80))
    fire(hotspot, "reemerge", users["police"], data={
        "found_date": day(70), "note": f"{SECRET}-reemerge-note"},
        reason=f"{SECRET}-reemerge-reason", effective_at=ago(70))
    out.ids["hotspot"] = hotspot.id

    # A recognition request of G12 with notes, a reason and a file.
    for kind, values in (("household_tally", {"households_total": 5, "households_signed": 5,
                                              "as_of": local_date(ago(200))}),
                         ("hotline_board", {"present": True,
                                            "verified_on": local_date(ago(200))}),
                         ("prevention_model", {"name": "PUBLIC-model-g12",
                                               "started_on": local_date(ago(200))})):
        _db.session.add(AreaFact(kind=kind, org_unit=units["G12"], **values))
    g12 = area_services.ensure_area(units["G12"], users["police"], effective_at=ago(150))
    fire(g12, "classify", users["police"], data={"level": "less_complex",
                                                 "assessment_date": day(149)},
         effective_at=ago(149))
    request = recognition.open_request(units["G12"], users["police"], effective_at=ago(40))
    notes = {f"C{i}": {"met": True, "note": f"{SECRET}-self-note-{i}"} for i in range(1, 9)}
    fire(request, "submit", users["police"], data={"self_assessment": notes},
         reason=f"{SECRET}-submit-reason", effective_at=ago(30))
    verdicts = {f"C{i}": {"met": True, "note": f"{SECRET}-verdict-note-{i}"}
                for i in range(1, 9)}
    fire(request, "evaluate", users["inspector"], data={
        "inspection_date": day(20), "minutes_no": "PUBLIC-inspection-minutes",
        "verdicts": verdicts}, reason=f"{SECRET}-evaluate-reason", effective_at=ago(20))
    attached = recognition.add_attachment(request, users["police"], io.BytesIO(PDF),
                                          f"{SECRET}-file.pdf",
                                          Scope.for_user(users["police"]),
                                          f"{SECRET}-file-description")
    out.ids["request"], out.ids["sha256"] = request.id, attached.sha256

    # An annual review of W1 (QĐ 28/2025), its note and the province's override reason.
    review = reviews.open_review(units["W1"], qd28.period_year_of(today_local()),
                                 users["police"])
    fire(review, "submit", users["police"], data={"note": f"{SECRET}-review-note"})
    fire(review, "approve_commune", users["chair"],
         data={"meeting_date": today_local().isoformat()})
    other = next(c for c in qd28.CLASSIFICATIONS if c != review.computed_classification)
    fire(review, "approve", users["province"], data={
        "decision_no": "PUBLIC-review-decision", "decision_date": today_local().isoformat(),
        "classification": other}, reason=f"{SECRET}-override-reason")
    out.ids["review"] = review.id

    # A plan: declared public, so everyone sees it.
    today = today_local()
    plan = Plan(code="PUBLIC-PLAN", title="PUBLIC-plan-title", org_unit=units["C"],
                summary="PUBLIC-plan-summary", start_date=today - timedelta(days=300),
                end_date=today + timedelta(days=60), six_month_report_due="06-10",
                annual_report_due="12-10")
    phase = Phase(seq=1, name="PUBLIC-phase-name", start_date=plan.start_date,
                  end_date=plan.end_date, report_due=plan.end_date)
    plan.phases.append(phase)
    plan.targets.append(Target(seq=1, label="PUBLIC-target-label",
                               metric="users_managed_pct", org_unit=units["C"], value=95,
                               unit="percent", phase=phase))
    _db.session.add(plan)

    # An import the police uploaded (only its uploader ever sees it).
    batch = ImportBatch(kind="persons", filename=f"{SECRET}-import.csv", sha256="0" * 64,
                        size=10, content=None, uploaded_by_id=police_id, status="rejected",
                        report={"kind": "persons", "rows": 1, "new": 0, "existing": 0,
                                "imported": 0,
                                "problems": [[2, "full_name", f"{SECRET}-import-problem"]]})
    _db.session.add(batch)
    _db.session.flush()
    out.ids["plan"], out.ids["batch"] = plan.id, batch.id
    out.ids["year"] = str(today.year)

    # A workbook the police prepared as a job (inline): only its starter sees it.
    _db.session.commit()
    job = runner.start("report", {"report_kind": "annual", "period": str(today.year)},
                       users["police"], units["C"])
    assert job.state == "succeeded", job.error
    out.ids["job"] = job.id
    return out


@pytest.fixture(scope="module")
def planted(app):
    """The planted data, in one outer transaction for the whole module, rolled back after."""
    with app.app_context():
        engines = _db._app_engines[app]
        engine_ = engines[None]
        connection = engine_.connect()
        outer = connection.begin()
        engines[None] = connection
        _db.session.remove()
        _db.session.configure(join_transaction_mode="create_savepoint")
        try:
            data = _plant()
            _db.session.commit()
            yield data
        finally:
            _db.session.remove()
            engines[None] = engine_
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def db(planted):
    """Overrides the per-test transaction: the tests of this module share the planted data."""
    return _db


@pytest.fixture(scope="module")
def clients(app, planted):
    """One signed-in browser-like client per role."""
    out = {}
    for role in ("viewer", "admin", "police"):
        client = PageClient(app.test_client())
        response = client.login(f"sweep.{role}")
        assert response.status_code == 302, response.get_data(as_text=True)
        out[role] = client
    return out


# --- the table of pages -----------------------------------------------------------------------

NO, HIDDEN, OK = 403, 404, 200


@dataclass(frozen=True)
class Page:
    """One GET: its endpoint, its URL (placeholders filled from the planted ids), the status
    each role gets, the markers the police must see and those everyone sees (PUBLIC)."""

    endpoint: str
    url: str
    viewer: int = OK
    admin: int = OK
    police: int = OK
    police_sees: tuple[str, ...] = ()
    everyone_sees: tuple[str, ...] = ()
    htmx: bool = False

    @property
    def id(self) -> str:
        return self.url + (" (htmx)" if self.htmx else "")


PAGES = [
    # --- pages
    Page("web.home", "/"),
    Page("web.my_work", "/my-work", police_sees=("overdue-name",)),
    Page("web.healthz", "/healthz"),
    Page("auth.login", "/login", viewer=302, admin=302, police=302),
    Page("persons.index", "/persons/", NO, NO, police_sees=("person-name", "overdue-name")),
    Page("persons.index", "/persons/?q=nguyen", NO, NO, police_sees=("person-name",),
         htmx=True),
    Page("persons.new", "/persons/new", NO, NO),
    Page("persons.show", "/persons/{person}", HIDDEN, HIDDEN, police_sees=(
        "person-name", "person-address", "test-facility", "substance", "check-note",
        "assessment-grounds", "doctor", "rehab-facility", "court", "reason-abandon_rehab",
        "paper.pdf", "paper-note")),
    Page("persons.event_form", "/persons/{person}/events/exit", HIDDEN, HIDDEN,
         police_sees=("person-name",)),
    Page("persons.download_attachment", "/persons/{person}/attachments/{paper}", HIDDEN,
         HIDDEN, police_sees=("paper.pdf",)),
    Page("documents.person_document", "/persons/{person}/documents/{decision_seq}", HIDDEN,
         HIDDEN, police_sees=("person-name", "decision", "person-address")),
    Page("persons.event_form", "/persons/{person}/events/exit", HIDDEN, HIDDEN, htmx=True),
    Page("areas.index", "/areas/"),
    Page("areas.show", "/areas/G11", police_sees=(
        "dealer-description", "hotspot-name", "criteria-name", "classify-reason",
        "escalate-grounds"), everyone_sees=("PUBLIC-model-name",)),
    Page("areas.show", "/areas/G11?as_of={today}", police_sees=("criteria-name",)),
    Page("areas.show", "/areas/W1", police_sees=("criteria-name", "hotspot-name")),
    Page("areas.show", "/areas/C", htmx=True, police_sees=("criteria-name",)),
    Page("areas.fact", "/areas/G11/facts/{fact}", police_sees=(
        "dealer-description", "dealer-note")),
    Page("areas.hotspot", "/hotspots/{hotspot}", police_sees=(
        "hotspot-name", "hotspot-address", "eliminate-note", "reemerge-reason")),
    Page("areas.dashboard", "/dashboard"),
    Page("areas.dashboard", "/dashboard?org_unit=G11"),
    Page("recognition.index", "/recognition/"),
    Page("recognition.inbox", "/recognition/inbox"),
    Page("recognition.show", "/recognition/{request}", HIDDEN, HIDDEN, police_sees=(
        "self-note-1", "verdict-note-8", "file.pdf", "submit-reason")),
    Page("recognition.download", "/recognition/{request}/files/{sha256}", HIDDEN, HIDDEN,
         police_sees=("file.pdf",)),
    Page("reviews.index", "/reviews/?area_code=C"),
    Page("reviews.inbox", "/reviews/inbox"),
    Page("reviews.show", "/reviews/{review}", HIDDEN, HIDDEN, police_sees=(
        "review-note", "override-reason")),
    Page("plans.index", "/plans/", everyone_sees=("PUBLIC-plan-title",)),
    Page("plans.show", "/plans/{plan}", everyone_sees=("PUBLIC-target-label",)),
    Page("plans.new", "/plans/new", NO, NO),
    Page("reports.show_report", "/reports/annual?org_unit=C&period={year}",
         police_sees=("overdue-name", "criteria-name")),
    Page("reports.show_report", "/reports/six_month?org_unit=W1&period={year}-H1"),
    Page("imports.index", "/imports/", police_sees=("import.csv",)),
    Page("imports.show", "/imports/{batch}", HIDDEN, HIDDEN, police_sees=(
        "import.csv", "import-problem")),
    Page("imports.template", "/imports/templates/persons.csv"),
    Page("imports.export_persons", "/exports/persons.csv", NO, NO, police_sees=(
        "person-name", "person-address", "external-id")),
    Page("imports.export_persons", "/exports/persons.xlsx", NO, NO, police_sees=(
        "person-name", "other-ward-name")),
    Page("imports.export_areas", "/exports/areas.csv"),
    Page("imports.export_areas", "/exports/areas.xlsx"),
    Page("workflows.index", "/workflows/"),
    Page("workflows.show", "/workflows/person"),
    Page("admin.users", "/admin/users", NO, OK, NO),
    Page("admin.user", "/admin/users/sweep.police", NO, OK, NO),
    Page("admin.user", "/admin/users/sweep.police", NO, OK, NO, htmx=True),
    Page("users_api.list_users", "/api/v1/users", NO, OK, NO),
    Page("users_api.get_user", "/api/v1/users/sweep.police", NO, OK, NO),
    # --- the JSON API
    Page("auth_api.me", "/api/v1/me"),
    Page("orgunits_api.list_orgunits", "/api/v1/orgunits"),
    Page("orgunits_api.get_orgunit", "/api/v1/orgunits/G11"),
    Page("persons_api.list_persons", "/api/v1/persons", police_sees=("person-name",)),
    Page("persons_api.get_person", "/api/v1/persons/{person}", HIDDEN, HIDDEN,
         police_sees=("person-name", "person-address")),
    Page("persons_api.get_history", "/api/v1/persons/{person}/history", HIDDEN, HIDDEN,
         police_sees=("test-facility", "doctor", "reason-record_test")),
    Page("persons_api.list_attachments", "/api/v1/persons/{person}/attachments", HIDDEN,
         HIDDEN, police_sees=("paper.pdf", "paper-note")),
    Page("persons_api.download_attachment", "/api/v1/persons/{person}/attachments/{paper}",
         HIDDEN, HIDDEN, police_sees=("paper.pdf",)),
    Page("documents_api.person_document", "/api/v1/persons/{person}/documents/{decision_seq}",
         HIDDEN, HIDDEN, police_sees=("person-name", "decision")),
    Page("areas_api.list_areas", "/api/v1/areas"),
    Page("areas_api.get_area", "/api/v1/areas/G11"),
    Page("areas_api.area_criteria", "/api/v1/areas/G11/criteria", police_sees=(
        "criteria-name", "hotspot-name", "offender-description")),
    Page("areas_api.area_criteria", "/api/v1/areas/C/criteria", police_sees=(
        "criteria-name",)),
    Page("areas_api.area_classification", "/api/v1/areas/W1/classification", police_sees=(
        "criteria-name", "hotspot-name")),
    Page("areas_api.list_facts", "/api/v1/areas/G11/facts", police_sees=(
        "dealer-description", "tally-note", "hotspot-address"),
         everyone_sees=("PUBLIC-model-name",)),
    Page("areas_api.list_facts", "/api/v1/areas/C/facts?kind=offender", police_sees=(
        "offender-note",)),
    Page("areas_api.get_fact", "/api/v1/areas/G11/facts/{fact}", police_sees=(
        "dealer-note",)),
    Page("areas_api.area_history", "/api/v1/areas/G11/history", police_sees=(
        "escalate-grounds", "downgrade-reason"), everyone_sees=("PUBLIC-minutes",)),
    Page("areas_api.get_dashboard", "/api/v1/dashboard"),
    Page("areas_api.get_hotspot", "/api/v1/hotspots/{hotspot}", police_sees=(
        "hotspot-name", "hotspot-address")),
    Page("areas_api.hotspot_history", "/api/v1/hotspots/{hotspot}/history", police_sees=(
        "hotspot-name", "eliminate-note", "watch-reason")),
    Page("recognition_api.get_requests", "/api/v1/recognition-requests"),
    Page("recognition_api.get_request", "/api/v1/recognition-requests/{request}", HIDDEN,
         HIDDEN, police_sees=("self-note-2", "verdict-note-3", "file-description")),
    Page("recognition_api.request_history", "/api/v1/recognition-requests/{request}/history",
         HIDDEN, HIDDEN, police_sees=("evaluate-reason", "verdict-note-1")),
    Page("recognition_api.download_attachment",
         "/api/v1/recognition-requests/{request}/attachments/{sha256}", HIDDEN, HIDDEN,
         police_sees=("file.pdf",)),
    Page("reviews_api.get_reviews", "/api/v1/commune-reviews", police_sees=("review-note",)),
    Page("reviews_api.get_review", "/api/v1/commune-reviews/{review}", HIDDEN, HIDDEN,
         police_sees=("review-note", "override-reason")),
    Page("reviews_api.review_history", "/api/v1/commune-reviews/{review}/history", HIDDEN,
         HIDDEN, police_sees=("review-note", "override-reason")),
    Page("province_review_api.province_review",
         "/api/v1/reports/province_review?org_unit=C&period={year}",
         everyone_sees=("PUBLIC-review-decision",)),
    Page("plans_api.list_plans", "/api/v1/plans", everyone_sees=("PUBLIC-plan-title",)),
    Page("plans_api.get_plan", "/api/v1/plans/{plan}", everyone_sees=("PUBLIC-phase-name",)),
    Page("reports_api.download", "/api/v1/reports/annual?org_unit=C&period={year}",
         police_sees=("overdue-name", "criteria-name")),
    Page("reports_api.download", "/api/v1/reports/phase?org_unit=C&period=PUBLIC-PLAN:1",
         police_sees=("overdue-name",), everyone_sees=("PUBLIC-target-label",)),
    Page("jobs.index", "/jobs/"),
    Page("jobs.show", "/jobs/{job}", HIDDEN, HIDDEN),
    Page("jobs.show", "/jobs/{job}", HIDDEN, HIDDEN, htmx=True),
    Page("jobs.download", "/jobs/{job}/file", HIDDEN, HIDDEN, police_sees=("overdue-name",)),
    Page("jobs_api.get_job", "/api/v1/jobs/{job}", HIDDEN, HIDDEN),
    Page("jobs_api.job_file", "/api/v1/jobs/{job}/file", HIDDEN, HIDDEN,
         police_sees=("overdue-name",)),
    Page("notify.index", "/notifications"),
    Page("notifications_api.list_notifications", "/api/v1/notifications"),
    Page("workflows_api.list_workflows", "/api/v1/workflows"),
    Page("workflows_api.get_workflow", "/api/v1/workflows/person"),
    Page("workflows_api.get_diagram", "/api/v1/workflows/person/diagram"),
    Page("api-docs.openapi_json", "/api/v1/openapi.json"),
    Page("api-docs.openapi_swagger_ui", "/api/docs"),
]

# GET rules that are no page of the app: static files, and the failing routes of the tests.
NOT_PAGES = {"static", "test_forbidden", "test_boom", "test_api_boom", "test_failing_insert",
             "test_api_failing_insert"}  # routes the test suite adds to fail on purpose
ROLES = ("viewer", "admin", "police")
MIN_PAGES = 60  # the sweep may not shrink unnoticed


def _url(page: Page, planted: Planted) -> str:
    values = {**planted.ids, "today": today_local().isoformat()}
    return page.url.format(**values)


def _text(response) -> str:
    """Everything a client receives, decoded: headers, and the body (cells of a workbook)."""
    parts = [f"{k}: {v}" for k, v in response.headers.items()]
    if response.mimetype.endswith("wordprocessingml.document"):
        document = Document(io.BytesIO(response.data))
        parts += [p.text for p in document.paragraphs]
        parts += [p.text for t in document.tables for row in t.rows for cell in row.cells
                  for p in cell.paragraphs]
    elif response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = load_workbook(io.BytesIO(response.data))
        for sheet in workbook.worksheets:
            parts.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
    else:
        parts.append(response.get_data(as_text=True))
    return "\n".join(parts)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_role_on_page(clients, planted, role, page):
    headers = {"HX-Request": "true"} if page.htmx else {}
    with clients[role].get(_url(page, planted), headers=headers) as response:
        assert response.status_code == getattr(page, role), (
            role, page.id, response.status_code, response.get_data(as_text=True)[:500])
        text = _text(response)
    # Case does not matter: names are capitalised on entry ("Planted-Overdue-Name").
    if role == "police":
        missing = [m for m in page.police_sees if f"{SECRET}-{m}".lower() not in text.lower()]
        assert not missing, (page.id, missing)
    else:
        leaked = sorted(set(re.findall(rf"{SECRET}-[\w.-]+", text, flags=re.IGNORECASE)))
        assert not leaked, (role, page.id, leaked)
        assert NATIONAL_ID not in text, (role, page.id)
    for marker in page.everyone_sees:
        assert marker in text, (role, page.id, marker)


def test_the_table_covers_every_get_route_and_openapi_path(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.endpoint not in NOT_PAGES}
    assert endpoints - {p.endpoint for p in PAGES} == set()
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    listed = {re.sub(r"\{[^}]+\}", "{}", "/api/v1" + path if not path.startswith("/api")
                     else path)
              for path, methods in spec["paths"].items() if "get" in methods}
    rules = {re.sub(r"<[^>]+>", "{}", rule.rule) for rule in app.url_map.iter_rules()
             if rule.endpoint in {p.endpoint for p in PAGES}}
    assert listed <= rules, listed - rules


def test_the_sweep_is_not_vacuous():
    assert len(PAGES) >= MIN_PAGES
    for role in ("viewer", "admin"):
        shown = [p for p in PAGES if getattr(p, role) == OK]
        assert len(shown) >= 45, role  # pages really rendered for them, and searched
    police_checked = [p for p in PAGES if p.police_sees]
    assert len(police_checked) >= 30
    everything = {m for p in PAGES for m in p.police_sees}
    for kind in ("person-name", "person-address", "hotspot-name", "hotspot-address",
                 "dealer-description", "dealer-note", "escalate-grounds", "doctor", "court",
                 "self-note-1", "verdict-note-3", "file-description", "check-note"):
        assert kind in everything, kind
