"""Files kept beside the database, written for good only when the database agrees.

A service that stores a file with a row calls :func:`stage` in the row's transaction. The
content is written at once under a temporary name in the target's directory (so a full disk
refuses the step before anything is committed), and moved to its final name, atomically,
when the transaction commits. When the transaction ends any other way (a refused step, a
stale version, an error), the staged file is removed: nothing stays behind.

Files are named by their content (SHA-256), so a final file may belong to rows committed by
other requests: nothing here ever removes one.

Uploaded files (recognition dossiers, person records) share one folder, one allow-list of
types judged by content and one size limit: :func:`read_upload` checks a file and returns its
content, type and checksum; :func:`attachment_path` is where it lives.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from casework.errors import ValidationFailed
from casework.instance import attachments_dir as instance_attachments_dir

log = logging.getLogger(__name__)

_STAGED = "casework_staged_files"  # key in Session.info: [(temporary path, final path)]


def stage(session: Session | scoped_session, target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` when ``session``'s transaction commits.

    Nothing is written when ``target`` already exists (same name, same content).
    """
    if isinstance(session, scoped_session):
        session = session()
    if target.exists():
        return
    if not session.in_transaction():
        session.begin()  # so that its end, whatever it is, is seen
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".staged-")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    session.info.setdefault(_STAGED, []).append((temporary, target))


def staged(session: Session | scoped_session) -> list[Path]:
    """The final paths of the files waiting for ``session``'s commit."""
    return [target for _temporary, target in session.info.get(_STAGED, [])]


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction decides
        return
    for temporary, target in session.info.pop(_STAGED, []):
        try:
            os.replace(temporary, target)
        except OSError:
            log.exception("a committed file could not be moved into place: %s", target.name)
            temporary.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _discard(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for temporary, _target in session.info.pop(_STAGED, []):
        temporary.unlink(missing_ok=True)


# --- uploaded files ---------------------------------------------------------------------------

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes


# The allow-list: recognised by their first bytes, and the name must agree.
FILE_TYPES = (
    FileType("application/pdf", (".pdf",), b"%PDF-"),
    FileType("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    FileType("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
)


@dataclass(frozen=True)
class Upload:
    """A checked upload: its bytes, allowed type and SHA-256."""

    content: bytes
    file_type: FileType
    sha256: str


def max_attachment_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def attachments_dir() -> Path:
    """Where attachments are stored: ``ATTACHMENT_DIR``, else ``attachments/`` in the
    instance folder (backed up and restored with the database by ``casework backup``)."""
    return instance_attachments_dir(current_app)


def attachment_path(sha256: str) -> Path:
    return attachments_dir() / sha256


def detect_type(head: bytes, filename: str) -> FileType:
    """The allowed type of a file from its first bytes; its name must agree."""
    found = next((t for t in FILE_TYPES if head.startswith(t.magic)), None)
    allowed = ", ".join(e for t in FILE_TYPES for e in t.extensions)
    if found is None:
        raise ValidationFailed(
            _("Only PDF, JPEG and PNG files may be attached; this file is none of them."),
            errors={"file": [_("Allowed types: %(types)s.", types=allowed)]})
    suffix = Path(filename or "").suffix.lower()
    if suffix not in found.extensions:
        raise ValidationFailed(
            _("The file name does not match its content (%(type)s).", type=found.content_type),
            errors={"file": [_("Allowed types: %(types)s.", types=allowed)]})
    return found


def read_upload(stream: BinaryIO, filename: str) -> Upload:
    """Read and check an uploaded file: not empty, within the size limit, an allowed type
    (judged by its content, its name agreeing). Refused with ValidationFailed (422)."""
    limit = max_attachment_bytes()
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed(
            _("The file is larger than %(mb)s MB.", mb=megabytes(limit)),
            errors={"file": [_("At most %(mb)s MB.", mb=megabytes(limit))]})
    if not content:
        raise ValidationFailed(_("The file is empty."), errors={"file": [_("The file is empty.")]})
    file_type = detect_type(content[:16], filename)
    return Upload(content, file_type, hashlib.sha256(content).hexdigest())


def megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"
