"""An uploaded file between its dry run and its import."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import Base, UTCDateTime, utcnow

IMPORT_KINDS = ("persons", "tests")
# checked: the dry run found no problem; rejected: it found some; imported: done.
BATCH_STATUSES = ("checked", "rejected", "imported")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ImportBatch(Base):
    """One uploaded file, the report of its dry run and, once imported, the outcome.

    The file is kept (in the database, so that every web worker sees it) only until it is
    imported or found to have problems; its SHA-256 stays. Only its uploader sees it.
    """

    __tablename__ = "import_batches"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", IMPORT_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", BATCH_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10))
    # The dry run's findings: {"rows", "new", "existing", "problems": [[row, column, text]]}.
    report: Mapped[dict] = mapped_column(sa.JSON)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    imported_count: Mapped[int | None] = mapped_column()

    uploaded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.kind} {self.status}>"
