"""The end of an uploaded file's import: committed with its batch marked imported, or
rolled back with the problems kept."""

from __future__ import annotations

from casework.db import utcnow
from casework.extensions import db
from casework.imports.models import ImportBatch
from casework.imports.sheets import ImportReport


def finish(batch_id: int, report: ImportReport) -> None:
    """Commit the import with the batch marked done, or roll back and keep the problems.
    The file is not kept either way; its SHA-256 is."""
    if report.ok:
        batch = db.session.get(ImportBatch, batch_id)
        batch.status = "imported"
        batch.imported_at = utcnow()
        batch.imported_count = report.imported
        batch.content = None
        db.session.commit()
        return
    db.session.rollback()  # nothing of the import is kept
    batch = db.session.get(ImportBatch, batch_id)
    batch.status = "rejected"
    batch.report = report.as_dict()
    batch.content = None
    db.session.commit()
