"""The import page (upload, dry-run report) and the list exports.

An uploaded file is checked at once (the dry run) and kept in the database with its report,
so any web worker, and the job worker, can show it and import it. The import itself is a job
(``jobs``: the button posts to ``jobs.run_import``): one transaction, all or nothing, run by
``casework worker`` on PostgreSQL while the job's page shows its progress, or at once in the
request with ``CASEWORK_JOBS=inline`` (SQLite).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from pathlib import PurePath

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import current_scope
from casework.errors import CaseworkError
from casework.extensions import db
from casework.imports import exports, services
from casework.imports.columns import column_label
from casework.imports.models import ImportBatch
from casework.imports.parsing import OLE_MAGIC, XLSX_MAGIC, Problem
from casework.people.services import PersonQuery
from casework.spreadsheets import attachment
from casework.web.fields import register_labels

log = logging.getLogger(__name__)

bp = Blueprint("imports", __name__)

MAX_UPLOAD = 10 * 1024 * 1024  # bytes; about 60 000 rows of persons as CSV
EXTENSIONS = (".csv", ".xlsx")
# What browsers send for CSV and XLSX files (Windows says "Excel" for .csv).
CONTENT_TYPES = {
    "", "text/csv", "application/csv", "text/plain", "text/x-csv", "application/x-csv",
    "application/vnd.ms-excel", "application/octet-stream", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The empty templates' file names: what they are, in Vietnamese (ASCII for every browser).
TEMPLATE_NAMES = {"persons": "mau-nhap-danh-sach-nguoi", "tests": "mau-nhap-ket-qua-xet-nghiem"}
# Who may import each kind: opening person records, recording drug tests.
IMPORT_ROLES = {"persons": services.OPEN_ROLES, "tests": ("health",)}

register_labels({"external_id": _l("External ID")})
bp.add_app_template_filter(column_label, "column_label")


def _user():
    return current_user._get_current_object()


def _kinds() -> list[str]:
    roles = current_scope().roles
    return [kind for kind, allowed in IMPORT_ROLES.items() if roles & set(allowed)]


def _page(status: int = 200, error: str | None = None):
    batches = db.session.scalars(
        sa.select(ImportBatch).where(ImportBatch.uploaded_by_id == current_user.id)
        .order_by(ImportBatch.uploaded_at.desc(), ImportBatch.id.desc()).limit(20)
    ).all()
    scope = current_scope()
    return render_template(
        "imports/index.html", kinds=_kinds(), batches=batches, error=error,
        columns=services.COLUMNS, state_needs=services.STATE_NEEDS,
        may_export_persons=bool(scope.roles & PERSONAL_READ_ROLES),
        max_mb=MAX_UPLOAD // (1024 * 1024),
    ), status


@bp.route("/imports/")
@login_required
def index():
    """Upload a file; the latest uploads; the exports."""
    return _page()


def _refuse_upload(file) -> str | None:
    """Why an uploaded file is refused before it is even read, or None."""
    if file is None or not file.filename:
        return _("Choose a file.")
    name = PurePath(file.filename).name.lower()
    if not name.endswith(EXTENSIONS):
        return _("Only CSV (UTF-8) and XLSX files can be imported.")
    mimetype = (file.mimetype or "").lower()
    if mimetype not in CONTENT_TYPES:
        return _("Only CSV (UTF-8) and XLSX files can be imported.")
    return None


@bp.route("/imports/", methods=["POST"])
@login_required
def upload():
    """Store the file and run the dry run; then show its report."""
    kind = request.form.get("kind", "")
    if kind not in IMPORT_ROLES:
        abort(400)
    if kind not in _kinds():
        abort(403)
    if (request.content_length or 0) > MAX_UPLOAD + 64 * 1024:
        return _page(413, _("The file is larger than %(n)d MB.", n=MAX_UPLOAD // 2**20))
    file = request.files.get("file")
    problem = _refuse_upload(file)
    if problem:
        return _page(422, problem)
    content = file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _page(413, _("The file is larger than %(n)d MB.", n=MAX_UPLOAD // 2**20))
    name = PurePath(file.filename).name[:200]
    if name.lower().endswith(".xlsx") and not content.startswith(XLSX_MAGIC) or (
            name.lower().endswith(".csv") and content.startswith((XLSX_MAGIC, OLE_MAGIC))):
        return _page(422, _("The file's content does not match its name (.csv or .xlsx)."))
    report = services.check_file(kind, content, _user(), current_scope(), name)
    db.session.rollback()  # a dry run writes nothing
    batch = ImportBatch(
        kind=kind, filename=name, sha256=hashlib.sha256(content).hexdigest(),
        # A file with problems cannot be imported: only its report is kept.
        size=len(content), content=content if report.ok else None,
        uploaded_by_id=current_user.id,
        status="checked" if report.ok else "rejected", report=report.as_dict(),
    )
    db.session.add(batch)
    db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


def _own_batch(batch_id: int, lock: bool = False) -> ImportBatch:
    stmt = sa.select(ImportBatch).where(ImportBatch.id == batch_id,
                                        ImportBatch.uploaded_by_id == current_user.id)
    if lock:
        stmt = stmt.with_for_update()
    batch = db.session.scalar(stmt)
    if batch is None:
        abort(404)
    return batch


def _problems(batch: ImportBatch) -> list[Problem]:
    return [Problem(*p) for p in batch.report.get("problems", [])]


@bp.route("/imports/<int:batch_id>")
@login_required
def show(batch_id):
    """The dry-run report row by row, and the button that imports."""
    batch = _own_batch(batch_id)
    return render_template("imports/show.html", batch=batch, problems=_problems(batch),
                           report=batch.report)


@bp.route("/imports/templates/<kind>.csv")
@login_required
def template(kind):
    """An empty file with the columns of one kind of import."""
    if kind not in services.COLUMNS:
        abort(404)
    required, optional = services.COLUMNS[kind]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(map(column_label, required + optional))
    content = ("\ufeff" + out.getvalue()).encode("utf-8")
    return Response(content, mimetype=exports.CSV_TYPE, headers={
        "Content-Disposition": attachment(f"{TEMPLATE_NAMES[kind]}.csv")})


# --- exports ----------------------------------------------------------------------------------


def _send(export: exports.Export) -> Response:
    db.session.commit()  # the export's log entry
    return Response(export.content, mimetype=export.mimetype, headers={
        "Content-Disposition": attachment(export.filename),
        "Cache-Control": "no-store"})


@bp.route("/exports/persons.<file_format>", methods=["GET", "POST"])
@login_required
def export_persons(file_format):
    """The person list with the list page's filters, as CSV or XLSX. The list page POSTs
    them, so that a name searched for stays out of the URL."""
    if file_format not in exports.FORMATS:
        abort(404)
    args = request.form if request.method == "POST" else request.args
    query = PersonQuery(state=args.get("state") or None, area_code=args.get("area") or None,
                        q=args.get("q") or None,
                        overdue=True if args.get("overdue") else None)
    try:
        export = exports.export_persons(_user(), current_scope(), query, file_format)
    except CaseworkError:
        db.session.rollback()
        raise
    return _send(export)


@bp.route("/exports/areas.<file_format>")
@login_required
def export_areas(file_format):
    """The areas in the caller's scope (or under ?root=CODE), as CSV or XLSX."""
    if file_format not in exports.FORMATS:
        abort(404)
    export = exports.export_areas(_user(), current_scope(), request.args.get("root") or None,
                                  file_format)
    return _send(export)
