"""Files kept beside the database, written for good only when the database agrees.

A service that stores a file with a row calls :func:`stage` in the row's transaction. The
content is written at once under a temporary name in the target's directory (so a full disk
refuses the step before anything is committed), and moved to its final name, atomically,
when the transaction commits. When the transaction ends any other way (a refused step, a
stale version, an error), the staged file is removed: nothing stays behind.

Files are named by their content (SHA-256), so a final file may belong to rows committed by
other requests: nothing here ever removes one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

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
