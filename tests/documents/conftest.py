"""Fixtures for official documents: persons walked by the real engine (tests.areas)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from docx import Document

from casework.audit.models import AuditEntry
from tests.areas.conftest import person, resident, user  # noqa: F401 - fixtures

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def seq_of(db, record, event=None, to_state=None) -> int:
    """The seq of the person's last history entry of ``event`` (or entering ``to_state``)."""
    stmt = sa.select(AuditEntry.seq).where(AuditEntry.record_type == "person",
                                           AuditEntry.record_id == record.id)
    if event:
        stmt = stmt.where(AuditEntry.event == event)
    if to_state:
        stmt = stmt.where(AuditEntry.to_state == to_state, AuditEntry.from_state != to_state)
    return db.session.scalar(stmt.order_by(AuditEntry.seq.desc()).limit(1))


def text_of(content: bytes) -> str:
    """Every paragraph of a .docx, tables included, one per line."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)
