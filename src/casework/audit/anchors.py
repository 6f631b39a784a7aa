"""Anchors of the audit log: the chains' heads, signed with a key kept outside the database.

The hash chains show any change made behind the app's back, except one: whoever owns the
tables can disable the append-only trigger, rewrite an entry and recompute every hash after
it, and the chain is consistent again. An anchor records, at one moment, the head (last
``seq`` and its hash) of each chain, with an HMAC-SHA256 under ``CASEWORK_AUDIT_KEY`` (else a
key file in the instance folder). That key is not in the database, so its owner cannot forge
an anchor; :func:`check_anchors` then requires every anchored entry to still be in the log
with the same hash. A chain that grew since is fine: its older entries are unchanged.

The anchors are a file in the instance folder, one JSON object per line, only ever appended::

    {"form": 1, "n": 2, "at": "2026-12-02T03:00:00.000000+00:00", "key_id": "…",
     "prev": "<mac of line 1>", "heads": [["person", 12, 7, "<hash>"], …], "mac": "…"}

Line 1 names every chain; each later line only the chains whose head moved since (so a daily
anchor costs what changed that day). ``mac`` covers the canonical JSON of every other field,
and ``prev`` ties each line to the one before it, so a line that is altered, removed or
reordered is found too.

:func:`anchor` is a plain service: ``casework audit anchor`` calls it, and the periodic job
will call it the same way once the job runner exists (ARCHITECTURE.md, ``jobs/``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from casework.audit.models import AuditEntry
from casework.audit.services import VerifyReport, verify
from casework.db import utcnow
from casework.extensions import db
from casework.instance import ANCHORS_FILE, AUDIT_KEY_FILE, InstanceError, read_or_create_key

ANCHOR_FORM = 1

_entries = AuditEntry.__table__


class AnchorError(Exception):
    """Anchoring was refused; the message says why."""


@dataclass(frozen=True)
class AnchorResult:
    number: int  # the line's ``n``
    chains: int  # chains in the log
    moved: int  # chains whose head this anchor records (all of them the first time)


@dataclass
class AnchorCheck:
    anchors: int = 0
    problems: list[str] = field(default_factory=list)


# --- the key and the file ---------------------------------------------------------------------


def anchors_path() -> Path:
    return Path(current_app.instance_path) / ANCHORS_FILE


def audit_key(*, create: bool) -> bytes:
    """The HMAC key: ``AUDIT_KEY`` (CASEWORK_AUDIT_KEY), else the instance folder's key file,
    made (mode 0600) when ``create`` and missing. InstanceError when there is none."""
    configured = current_app.config.get("AUDIT_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    path = Path(current_app.instance_path) / AUDIT_KEY_FILE
    if not path.exists() and not create:
        raise InstanceError(
            f"the audit anchors need their key: set CASEWORK_AUDIT_KEY or restore {path}")
    return read_or_create_key(path).encode()


def _key_id(key: bytes) -> str:
    """A short name of the key, so a line signed with another key says so."""
    return hmac.new(key, b"casework audit anchor key", hashlib.sha256).hexdigest()[:16]


def _mac(key: bytes, body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False).encode("utf-8")
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


@contextlib.contextmanager
def locked(path: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold the anchors' lock: exclusive to append a line, shared to read a whole file (a
    backup copies the file under it, so it never sees half a line)."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8").splitlines()


# --- reading the heads ------------------------------------------------------------------------


def current_heads() -> dict[tuple[str, int], tuple[int, str]]:
    """(record_type, record_id) → (seq, hash) of the newest entry of every chain, read in one
    statement (one snapshot)."""
    latest = (
        sa.select(_entries.c.record_type, _entries.c.record_id,
                  sa.func.max(_entries.c.seq).label("seq"))
        .group_by(_entries.c.record_type, _entries.c.record_id)
        .subquery()
    )
    stmt = sa.select(_entries.c.record_type, _entries.c.record_id, _entries.c.seq,
                     _entries.c.hash).join(latest, sa.and_(
                         _entries.c.record_type == latest.c.record_type,
                         _entries.c.record_id == latest.c.record_id,
                         _entries.c.seq == latest.c.seq))
    return {(t, i): (s, h) for t, i, s, h in db.session.connection().execute(stmt)}


# --- checking ---------------------------------------------------------------------------------


def _parse(lines: list[str], key: bytes, check: AnchorCheck) -> dict[tuple[str, int], tuple]:
    """Check each line's form, order and MAC; return, per chain, its newest anchored entry as
    (seq, hash, line number). The older ones need no look: the chain check shows that the
    newest one still follows from them."""
    anchored: dict[tuple[str, int], tuple] = {}
    prev = None
    key_id = _key_id(key)
    for number, line in enumerate(lines, start=1):
        check.anchors += 1
        try:
            body = json.loads(line)
            mac = body.pop("mac")
            heads = [(str(t), int(i), int(s), str(h)) for t, i, s, h in body["heads"]]
            well_formed = body["form"] == ANCHOR_FORM and body["n"] == number
        except (ValueError, KeyError, TypeError, AttributeError):
            check.problems.append(f"anchor {number}: not a well-formed anchor line")
            prev = None
            continue
        if body.get("key_id") != key_id:
            check.problems.append(
                f"anchor {number}: signed with another key than the configured one "
                "(CASEWORK_AUDIT_KEY or the instance folder's audit_key)")
        elif not hmac.compare_digest(mac, _mac(key, body)):
            check.problems.append(f"anchor {number}: altered (its signature does not match)")
        elif not well_formed or body.get("prev") != prev:
            check.problems.append(
                f"anchor {number}: out of sequence (an anchor before it was removed or moved)")
        prev = mac
        for record_type, record_id, seq, head_hash in heads:
            known = anchored.get((record_type, record_id))
            if known is None or seq >= known[0]:
                anchored[(record_type, record_id)] = (seq, head_hash, number)
    return anchored


def check_anchors() -> AnchorCheck:
    """Check the anchors file, then that every anchored entry is still in the log with the
    hash it had (no anchors file: nothing to check)."""
    path = anchors_path()
    if not path.exists():
        return AnchorCheck()
    with locked(path, exclusive=False):
        lines = _read_lines(path)
    return _check(lines)


def _check(lines: list[str], batch: int = 5000) -> AnchorCheck:
    check = AnchorCheck()
    if not lines:
        return check
    by_chain = _parse(lines, audit_key(create=False), check)
    anchored = {(t, i, seq): (entry_hash, number)
                for (t, i), (seq, entry_hash, number) in by_chain.items()}
    stmt = sa.select(_entries.c.record_type, _entries.c.record_id, _entries.c.seq,
                     _entries.c.hash).execution_options(yield_per=batch)
    for record_type, record_id, seq, entry_hash in db.session.connection().execute(stmt):
        found = anchored.pop((record_type, record_id, seq), None)
        if found is not None and found[0] != entry_hash:
            check.problems.append(
                f"{record_type} #{record_id} entry {seq}: differs from anchor {found[1]} "
                "(the chain was rewritten after it was anchored)")
    for (record_type, record_id, seq), (_hash, number) in sorted(anchored.items()):
        check.problems.append(
            f"{record_type} #{record_id} entry {seq}: anchored by anchor {number} but no "
            "longer in the log")
    return check


def verify_all(record_models: Iterable[type] = ()) -> tuple[VerifyReport, AnchorCheck]:
    """The hash chains (:func:`casework.audit.services.verify`) and the anchors, both."""
    return verify(record_models), check_anchors()


# --- anchoring --------------------------------------------------------------------------------


def anchor(record_models: Iterable[type] = (), now: datetime | None = None) -> AnchorResult:
    """Append an anchor of the chains' current heads to the instance folder's anchors file.

    Refuses (AnchorError) when the log or the existing anchors do not verify: an anchor must
    never vouch for a log that was already altered. Reads only; the caller need not commit.
    This is the periodic job's task (once jobs exist) as much as the command's.
    """
    path = anchors_path()
    with locked(path, exclusive=True):
        lines = _read_lines(path)
        # A new key only for the first anchor: later ones must be signed with the same key.
        key = audit_key(create=not lines)
        report, check = verify(record_models), _check(lines)
        if not report.ok or check.problems:
            raise AnchorError(
                f"{len(report.breaks) + len(check.problems)} problem(s) in the audit log; "
                "run `casework audit verify` and resolve them before anchoring")
        known: dict[tuple[str, int], tuple[int, str]] = {}
        prev = None
        for line in lines:
            body = json.loads(line)
            prev = body["mac"]
            for record_type, record_id, seq, head_hash in body["heads"]:
                known[(record_type, record_id)] = (seq, head_hash)
        heads = current_heads()
        moved = sorted([t, i, s, h] for (t, i), (s, h) in heads.items()
                       if known.get((t, i)) != (s, h))
        body = {"form": ANCHOR_FORM, "n": len(lines) + 1, "key_id": _key_id(key), "prev": prev,
                "at": (now or utcnow()).astimezone(UTC).isoformat(timespec="microseconds"),
                "heads": moved}
        body["mac"] = _mac(key, body)
        line = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return AnchorResult(number=body["n"], chains=len(heads), moved=len(moved))
