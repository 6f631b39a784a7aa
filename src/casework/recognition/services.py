"""Verbs on recognition requests and their attachments. They flush, never commit."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import send_file
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from casework import storage
from casework.areas import services as areas
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, get_scoped_orgunit, scoped
from casework.db import today_local
from casework.errors import NotFound, NotPermitted, RuleFailed, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.recognition.models import OPEN_STATES, RecognitionAttachment, RecognitionRequest
from casework.validation import page_window
from casework.workflow import engine

# Who may read a request: the dossier names persons, so never viewers.
READ_ROLES = PERSONAL_READ_ROLES
# Roles that take part in the chain: they may read a request and attach files to it.
CHAIN_ROLES = frozenset({"police", "inspector", "steering_committee", "city_authority",
                         "commune_chair", "province_authority"})
# The pseudo-role of meta.awaiting for the step that waits for the approver of §11.
APPROVER = "approver"

# The shared rules of uploaded files (casework.storage), named here for the callers.
DEFAULT_MAX_BYTES = storage.DEFAULT_MAX_BYTES
FileType = storage.FileType
FILE_TYPES = storage.FILE_TYPES
max_attachment_bytes = storage.max_attachment_bytes
attachments_dir = storage.attachments_dir
attachment_path = storage.attachment_path
detect_type = storage.detect_type


def open_request_for(area_id: int) -> RecognitionRequest | None:
    return db.session.scalar(sa.select(RecognitionRequest).where(
        RecognitionRequest.area_id == area_id, RecognitionRequest.state.in_(OPEN_STATES)))


def open_request(unit: OrgUnit, actor, effective_at: datetime | None = None
                 ) -> RecognitionRequest:
    """Open a draft request for the area of ``unit``.

    The area must be ``less_complex`` and have no other open request (RuleFailed otherwise).
    The engine checks the actor's role (police) and scope.
    """
    Scope.for_user(actor).require_write(unit.path, ("police",))
    area = areas.area_of(unit)
    if area is None or area.state != areas.request_state():
        state = (engine.state_label(area) if area is not None
                 else engine.state_label(engine.get_catalog().get("area"), "unassessed"))
        message = _("Only a less complex area can ask for recognition; this area is "
                    "“%(state)s”.", state=state)
        raise RuleFailed(message, errors={"area_code": [message]}, rule="area_less_complex")
    existing = open_request_for(area.id)
    if existing is not None:
        raise _already_open(existing)
    request = RecognitionRequest(area=area, org_unit=unit,
                                 created_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            engine.open_record(request, actor, effective_at=effective_at)
    except IntegrityError:  # another request was opened at the same moment
        raise _already_open(open_request_for(area.id)) from None
    return request


def _already_open(existing: RecognitionRequest | None) -> RuleFailed:
    if existing is None:
        message = _("This area already has an open recognition request.")
    else:
        message = _("This area already has an open recognition request (no. %(id)d, "
                    "“%(state)s”); finish or withdraw it first.", id=existing.id,
                    state=engine.state_label(existing))
    return RuleFailed(message, errors={"area_code": [message]}, rule="one_open_request")


def fire_request_event(request: RecognitionRequest, event: str, actor, data: dict | None = None,
                       reason: str | None = None, effective_at: datetime | None = None,
                       version: int | None = None):
    """Fire a step of the chain; ``approve`` also recognises the area, in this transaction."""
    return engine.fire(request, event, actor, data=data, reason=reason,
                       effective_at=effective_at, version=version)


def awaiting_roles() -> dict[str, str]:
    """The role whose action a request in each open state awaits (recognition.yaml, meta);
    ``approver`` for the step of §11's approver."""
    return engine.get_catalog().get("recognition").meta["awaiting"]


def approvers():
    """The approver table of §11 (recognition.yaml, meta.approvers)."""
    return engine.get_catalog().get("recognition").meta["approvers"]


def approver_of(unit: OrgUnit, day: date | None = None):
    """Who approves a request for ``unit`` on ``day`` (Vietnam's today by default)."""
    return approvers().approver(unit.kind, day or today_local())


def awaiting_role(request: RecognitionRequest) -> str | None:
    """The role the request waits for now; None once it is closed."""
    role = engine.definition_of(request).meta["awaiting"].get(request.state)
    if role == APPROVER:
        found = approver_of(request.org_unit)
        return found.role if found is not None else None
    return role


def waiting_roles() -> frozenset[str]:
    """Every role some open request may wait for."""
    named = set(awaiting_roles().values())
    return frozenset((named - {APPROVER}) | (approvers().roles() if APPROVER in named else set()))


def chain(request: RecognitionRequest) -> tuple[str, ...]:
    """The steps of the request's chain, in order (recognition.yaml, meta)."""
    return engine.definition_of(request).meta["chain"]


def awaiting(user, scope: Scope, candidates) -> list[RecognitionRequest]:
    """The requests among ``candidates`` on which ``user`` can act now."""
    return [r for r in candidates if engine.available_events(r, user)]


def awaiting_clause(scope: Scope):
    """SQL condition: the request waits for a role the user holds over its area."""
    parts = []
    today = today_local()
    for state, role in awaiting_roles().items():
        if role == APPROVER:  # §11: each approving role, over the unit kinds it approves today
            for held in sorted(approvers().roles() & scope.roles):
                kinds = approvers().kinds_for(held, today)
                if kinds:
                    visible = sa.select(OrgUnit.id).where(
                        scope.unit_clause(OrgUnit.path, [held]), OrgUnit.kind.in_(kinds))
                    parts.append(sa.and_(RecognitionRequest.state == state,
                                         RecognitionRequest.org_unit_id.in_(visible)))
        elif role in scope.roles:
            visible = sa.select(OrgUnit.id).where(scope.unit_clause(OrgUnit.path, [role]))
            parts.append(sa.and_(RecognitionRequest.state == state,
                                 RecognitionRequest.org_unit_id.in_(visible)))
    return sa.or_(*parts) if parts else sa.false()


class AreaRequests:
    """What area pages show of recognition requests; recognition.init_app registers it with
    areas (``areas.services.register_request_finder``)."""

    @staticmethod
    def open_of(unit_ids: list[int]) -> dict[int, RecognitionRequest]:
        rows = db.session.scalars(sa.select(RecognitionRequest).where(
            RecognitionRequest.org_unit_id.in_(unit_ids),
            RecognitionRequest.state.in_(OPEN_STATES)))
        return {r.org_unit_id: r for r in rows}

    @staticmethod
    def open_id_of(area) -> int | None:
        return db.session.scalar(sa.select(RecognitionRequest.id).where(
            RecognitionRequest.area_id == area.id, RecognitionRequest.state.in_(OPEN_STATES)))

    @staticmethod
    def counts_under(root: OrgUnit, inside=None) -> dict[str, int]:
        """Requests by state under ``root`` (today's subtree), or under the SQL condition
        on ``OrgUnit`` ``inside`` (another day's map)."""
        where = subtree_clause(OrgUnit.path, root.path) if inside is None else inside
        return dict(db.session.execute(
            sa.select(RecognitionRequest.state, sa.func.count())
            .join(OrgUnit, OrgUnit.id == RecognitionRequest.org_unit_id)
            .where(where)
            .group_by(RecognitionRequest.state)).all())


# --- attachments ------------------------------------------------------------------------------


def attachment_file(request: RecognitionRequest, sha256: str) -> tuple[RecognitionAttachment, Path]:
    """The request's attachment with this checksum and the file that holds it; 404 if either
    is missing."""
    attachment = next((a for a in request.attachments if a.sha256 == sha256), None)
    path = attachment_path(sha256) if attachment else None
    if attachment is None or not path.exists():
        raise NotFound()
    return attachment, path


def add_attachment(request: RecognitionRequest, actor, stream: BinaryIO, filename: str,
                   scope: Scope, description: str | None = None) -> RecognitionAttachment:
    """Store a file of the dossier under its SHA-256 and list it on the request.

    Refused with a clear message when the request is closed, the file is empty, larger than
    the limit, or not a PDF, JPEG or PNG (judged by its content).
    """
    scope.require_write(request.org_unit.path, CHAIN_ROLES)
    if not request.is_open:
        raise NotPermitted(_("The request is closed; no more files can be attached."))
    upload = storage.read_upload(stream, filename)
    content, kind, digest = upload.content, upload.file_type, upload.sha256
    if any(a.sha256 == digest for a in request.attachments):
        raise ValidationFailed(_("This file is already attached to the request."),
                               errors={"file": [_("Already attached.")]})
    # The file is written for good only if the step commits (casework.storage).
    storage.stage(db.session, attachment_path(digest), content)
    attachment = RecognitionAttachment(
        request=request, filename=Path(filename).name[:255], content_type=kind.content_type,
        size=len(content), sha256=digest, uploaded_by_id=actor.id,
        description=(description or "").strip()[:300] or None,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


# --- reading -----------------------------------------------------------------------------------


def scoped_request(request_id: int, scope: Scope) -> RecognitionRequest:
    """The request, if ``scope`` may read it (NotFound otherwise)."""
    found = db.session.scalar(scoped(
        sa.select(RecognitionRequest).where(RecognitionRequest.id == request_id),
        RecognitionRequest.org_unit_id, scope, READ_ROLES))
    if found is None:
        raise NotFound()
    return found


def requests_query(scope: Scope, state=None, area_code=None, awaiting_me=False):
    """The requests the user may read, newest first, as one SELECT; ``awaiting_me``: only
    those waiting for a role the user holds over their area."""
    stmt = scoped(sa.select(RecognitionRequest), RecognitionRequest.org_unit_id, scope,
                  READ_ROLES)
    if state:
        stmt = stmt.where(RecognitionRequest.state == state)
    if area_code:
        unit = get_scoped_orgunit(area_code, scope)
        stmt = stmt.join(OrgUnit, OrgUnit.id == RecognitionRequest.org_unit_id).where(
            sa.and_(OrgUnit.path >= unit.path, OrgUnit.path < unit.path[:-1] + "/"))
    if awaiting_me:
        stmt = stmt.where(awaiting_clause(scope))
    return stmt.order_by(RecognitionRequest.id.desc())


def list_requests(scope: Scope, user, state=None, area_code=None, awaiting_me=False):
    """Requests the user may read, newest first; ``awaiting_me``: those they can act on now."""
    found = list(db.session.scalars(requests_query(scope, state, area_code, awaiting_me)))
    if awaiting_me:
        found = awaiting(user, scope, found)
    return found


def page_of_requests(scope: Scope, user, page: int, per_page: int, state=None, area_code=None,
                     awaiting_me=False) -> tuple[list[RecognitionRequest], int]:
    """One page of ``list_requests`` and the total, paged in SQL. The inbox (``awaiting_me``)
    is judged request by request (the engine's conditions, such as separate duties, are not
    SQL), among the few that wait for one of the user's roles, and paged after."""
    if awaiting_me:
        found = list_requests(scope, user, state, area_code, awaiting_me=True)
        offset, limit = page_window(page, per_page)
        return found[offset: offset + limit], len(found)
    offset, limit = page_window(page, per_page)
    paged = db.paginate(requests_query(scope, state, area_code), page=offset // limit + 1,
                        per_page=limit, max_per_page=None, error_out=False)
    return list(paged.items), paged.total


def send_attachment(request: RecognitionRequest, sha256: str):
    """The response that downloads one of the request's files."""
    attachment = next((a for a in request.attachments if a.sha256 == sha256), None)
    path = attachment_path(sha256) if attachment else None
    if attachment is None or not path.exists():
        raise NotFound()
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)
