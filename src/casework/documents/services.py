"""Official documents: a decision in a person's history, filled into its form as a .docx.

The forms are data (``forms/index.yaml`` and the docxtpl templates beside it, which a
legal officer edits in Word). A document is filled from what the history entry recorded and
what was true on the decision's date: the unit's name then (a decision made before a merger
keeps the old ward's name), the legal basis of the workflow version that judged the event,
the signer's post. Each download is logged like an export (``audit.exports``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
import yaml
from flask import send_file

from casework.audit.exports import record_export
from casework.audit.models import AuditEntry
from casework.auth.roles import role_label
from casework.auth.scope import Scope
from casework.db import local_date
from casework.errors import NotFound, NotPermitted
from casework.extensions import db
from casework.orgunits.history import commune_of
from casework.people.attachments import CASE_ROLES
from casework.people.models import Person
from casework.people.services import get_person
from casework.resources import resource_dir
from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.deadlines import as_date
from casework.workflow.labels import Label

FORMS_FILE = "index.yaml"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The events of the engine itself, which decide nothing.
NOT_DECISIONS = frozenset({"open", "migrate_version", "imported"})
GENDERS_VI = {"male": "Nam", "female": "Nữ", "other": "Khác"}
RESIDENCE_VI = {"permanent": "Thường trú", "temporary": "Tạm trú"}
PROVISIONAL_NOTE = ("MẪU TẠM — chưa có mẫu chính thức theo văn bản hướng dẫn Luật 120/2025/QH15; "
                    "cán bộ pháp chế kiểm tra trước khi ban hành.")


@dataclass(frozen=True)
class Form:
    code: str
    template: str
    title: Label
    form_no: str
    annex: str
    issuer: str
    official_versions: tuple[int, ...]
    event: str | None = None
    enters: str | None = None

    def applies_to(self, entry: AuditEntry) -> bool:
        if entry.event in NOT_DECISIONS or entry.workflow != Person.__workflow__:
            return False
        if self.event is not None:
            return entry.event == self.event
        return entry.to_state == self.enters and entry.from_state != self.enters

    def provisional(self, version: int) -> bool:
        return version not in self.official_versions


@lru_cache(maxsize=1)
def forms() -> tuple[Form, ...]:
    """The forms of ``forms/index.yaml``, in the file's order."""
    raw = yaml.safe_load((resource_dir("forms") / FORMS_FILE).read_text(encoding="utf-8"))
    return tuple(
        Form(code=f["code"], template=f["template"], title=Label(**f["title"]),
             form_no=f["form_no"], annex=f["annex"], issuer=f["issuer"],
             official_versions=tuple(f.get("official_versions") or ()),
             event=f.get("event"), enters=f.get("enters"))
        for f in raw["forms"])


def form_for(entry: AuditEntry) -> Form | None:
    """The form an entry's decision is written on; None when it has none."""
    return next((f for f in forms() if f.applies_to(entry)), None)


# --- filling ----------------------------------------------------------------------------------


def _entry(person: Person, seq: int) -> AuditEntry:
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_type == Person.__record_type__, AuditEntry.record_id == person.id,
        AuditEntry.seq == seq))
    if entry is None:
        raise NotFound()
    return entry


def _definition(entry: AuditEntry):
    try:
        return get_catalog().get(entry.workflow, entry.workflow_version)
    except UnknownWorkflow:
        return None


def legal_basis(entry: AuditEntry) -> str:
    """The basis of the transition that judged the entry, in the version that judged it."""
    definition = _definition(entry)
    if definition is None:
        return ""
    for t in definition.transitions:
        if t.event != entry.event or entry.from_state not in t.sources:
            continue
        if t.dest == entry.to_state or (t.dest is None and entry.from_state == entry.to_state):
            return t.provenance.basis or ""
    return ""


def decision_date(entry: AuditEntry) -> date:
    """The event's own date (its principal date field), else the day it took effect."""
    definition = _definition(entry)
    field = definition.event_dates.get(entry.event) if definition is not None else None
    day = as_date((entry.data or {}).get(field)) if field else None
    return day or local_date(entry.effective_at)


def _show(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def signer_post(actor, role: str | None) -> str:
    """The signer's official title: the user's ``post`` when accounts have one, else the
    label of the role they acted in."""
    post = getattr(actor, "post", None) if actor is not None else None
    return post or (role_label(role) if role else "")


def context_for(person: Person, entry: AuditEntry, form: Form) -> dict[str, Any]:
    """What the template is filled with."""
    day = decision_date(entry)
    unit = commune_of(entry.org_unit, on=day) or commune_of(entry.org_unit) or entry.org_unit
    data = entry.data or {}
    actor = entry.actor
    definition = _definition(entry)
    provisional = form.provisional(entry.workflow_version)
    return {
        "form_no": form.form_no, "annex": form.annex, "title": form.title.vi,
        "provisional": provisional, "provisional_note": PROVISIONAL_NOTE if provisional else "",
        "issuer": form.issuer, "unit_name": unit.name, "unit_name_upper": unit.name.upper(),
        "place": unit.name, "decision_no": data.get("decision_no") or "……",
        "decision_date": _show(day), "day": f"{day.day:02d}", "month": f"{day.month:02d}",
        "year": str(day.year),
        "law": str(definition.law) if definition is not None and definition.law else "",
        "legal_basis": legal_basis(entry),
        "full_name": person.full_name, "birth_date": _show(person.birth_date),
        "gender": GENDERS_VI.get(person.gender, person.gender),
        "national_id": person.national_id or "……",
        "residence": RESIDENCE_VI.get(person.residence_type or "", "Không có nơi cư trú ổn định"),
        "address": person.address or "……",
        "area": entry.org_unit.name,
        "signer_post": signer_post(actor, entry.role),
        "signer_post_upper": signer_post(actor, entry.role).upper(),
        "signer_name": getattr(actor, "full_name", None) or entry.actor_name or "",
        "data": {k: v for k, v in data.items() if not isinstance(v, dict | list)},
        "months": data.get("months") or data.get("planned_months")
        or data.get("post_rehab_months") or "……",
        "start_date": _show(as_date(data.get("start_date"))) or _show(day),
        "facility": data.get("facility") or "",
        "setting_vi": {"community": "tại gia đình, cộng đồng",
                       "facility": "tại cơ sở cai nghiện ma túy"}.get(data.get("setting"), ""),
        "device_id": data.get("device_id") or "",
    }


def render(form: Form, context: dict) -> bytes:
    # Imported here: docxtpl with python-docx and lxml is about 7 MB that only this needs.
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(resource_dir("forms") / form.template))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def person_document(person_id: int, seq: int, actor, scope: Scope) -> tuple[bytes, str]:
    """The .docx of the decision history entry ``seq`` records, and its file name; logs the
    download. 404 for a person out of scope, a missing entry or one without a form; 403 for
    a reader who does not work the case (e.g. an inspector)."""
    person = get_person(person_id, scope)
    if not scope.covers(person.org_unit.path, CASE_ROLES):
        raise NotPermitted()
    entry = _entry(person, seq)
    form = form_for(entry)
    if form is None:
        raise NotFound()
    content = render(form, context_for(person, entry, form))
    record_export(actor, f"document:{form.code}", row_count=1, file_format="docx",
                  org_unit=person.org_unit, filters={"person_id": person.id, "seq": seq})
    return content, f"{form.code}-{person.id}-{seq}.docx"


def send_document(content: bytes, filename: str):
    """The response that downloads a filled-in document (never cached)."""
    return send_file(io.BytesIO(content), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=filename, max_age=0)
