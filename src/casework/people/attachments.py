"""The papers of a person's file and the compulsory-rehab dossier's checklist.

Files are kept as recognition dossiers keep theirs (``casework.storage``: one folder named by
SHA-256, the same allow-list of types and the same size limit). Each names its ``kind``; the
checklist (``forms/dossier-checklist.yaml``, data a legal officer corrects) says which
kinds the law lists for an adult's dossier (Decree 116/2021 Art 41) and for a minor's (Law
73/2021 Art 34, Decree 116/2021 Art 51), and the person page shows what is attached and what
is missing. Recording the court's decision warns about a missing item; it does not refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
import yaml
from flask import send_file
from flask_babel import gettext as _

from casework import storage
from casework.auth.scope import Scope
from casework.errors import NotFound, ValidationFailed
from casework.extensions import db
from casework.people.dossier import MINOR_BASIS
from casework.people.models import Person, PersonAttachment
from casework.resources import resource_dir
from casework.workflow.labels import Label

# Who works a person's case and may attach its papers (viewer, admin and the supervising
# roles read figures or names only).
CASE_ROLES = frozenset({"police", "health", "social_affairs", "commune_chair"})
CHECKLIST_FILE = "dossier-checklist.yaml"
NO_FIXED_RESIDENCE = "no_fixed_residence"


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: str
    basis: str
    attached: list[PersonAttachment]

    @property
    def missing(self) -> bool:
        return not self.attached


@dataclass(frozen=True)
class Checklist:
    """The papers the law lists for one dossier, each with the files of its kind."""

    basis: str
    verified: bool
    items: list[ChecklistItem]

    @property
    def missing(self) -> list[ChecklistItem]:
        return [item for item in self.items if item.missing]


@lru_cache(maxsize=1)
def _checklist_data() -> dict:
    path = resource_dir("forms") / CHECKLIST_FILE
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def kinds() -> dict[str, Label]:
    """The kinds of paper an attachment may be, with their labels (the checklist's list)."""
    return {code: Label(vi=label["vi"], en=label["en"])
            for code, label in _checklist_data()["kinds"].items()}


def kind_label(code: str) -> str:
    label = kinds().get(code)
    return str(label) if label is not None else code


def attachments_of(person: Person) -> list[PersonAttachment]:
    return list(db.session.scalars(
        sa.select(PersonAttachment).where(PersonAttachment.person_id == person.id)
        .order_by(PersonAttachment.id)))


def checklist(person: Person, dossier: dict | None,
              attachments: list[PersonAttachment] | None = None) -> Checklist | None:
    """The checklist of the person's compulsory-rehab dossier (``dossier`` as
    ``people.services.dossier_facts`` gives it); None when there is no dossier."""
    if not dossier or not dossier.get("legal_basis"):
        return None
    section = _checklist_data()["minor" if dossier["legal_basis"] == MINOR_BASIS else "adult"]
    files = attachments if attachments is not None else attachments_of(person)
    items = []
    for item in section["items"]:
        if item.get("when") == NO_FIXED_RESIDENCE and person.residence_type:
            continue
        items.append(ChecklistItem(
            kind=item["kind"], label=kind_label(item["kind"]), basis=item["basis"],
            attached=[a for a in files if a.kind == item["kind"]]))
    return Checklist(basis=section["basis"], verified=section.get("verified") is True,
                     items=items)


def add_attachment(person: Person, actor, stream: BinaryIO, filename: str, kind: str | None,
                   scope: Scope, note: str | None = None) -> PersonAttachment:
    """Store a paper of the person's file under its SHA-256 (flushes, never commits).

    403 unless the actor works the case over the person's area; 422 for an unknown kind, an
    empty or too large file, a type other than PDF, JPEG or PNG, or a file already attached.
    """
    scope.require_write(person.org_unit.path, CASE_ROLES)
    if kind not in kinds():
        raise ValidationFailed(_("Choose what kind of paper this is."),
                               errors={"kind": [_("Choose one of the listed kinds.")]})
    upload = storage.read_upload(stream, filename)
    taken = db.session.scalar(sa.select(PersonAttachment.id).where(
        PersonAttachment.person_id == person.id, PersonAttachment.sha256 == upload.sha256))
    if taken is not None:
        raise ValidationFailed(_("This file is already attached to the record."),
                               errors={"file": [_("Already attached.")]})
    # The file is written for good only if the request commits (casework.storage).
    storage.stage(db.session, storage.attachment_path(upload.sha256), upload.content)
    attachment = PersonAttachment(
        person_id=person.id, kind=kind, filename=Path(filename).name[:255],
        content_type=upload.file_type.content_type, size=len(upload.content),
        sha256=upload.sha256, uploaded_by_id=actor.id,
        note=(note or "").strip()[:300] or None)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def describe_attachment(attachment: PersonAttachment, url: str) -> dict:
    return {
        "id": attachment.id, "kind": attachment.kind, "kind_label": kind_label(attachment.kind),
        "filename": attachment.filename, "content_type": attachment.content_type,
        "size": attachment.size, "sha256": attachment.sha256, "note": attachment.note,
        "uploaded_by": getattr(attachment.uploaded_by, "display_name", None),
        "uploaded_at": attachment.uploaded_at, "url": url,
    }


def send_attachment(person: Person, attachment_id: int):
    """The response that downloads one of the person's files (404 if it is not theirs)."""
    attachment = db.session.get(PersonAttachment, attachment_id)
    if attachment is None or attachment.person_id != person.id:
        raise NotFound()
    path = storage.attachment_path(attachment.sha256)
    if not path.exists():
        raise NotFound()
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)
