"""Append to the audit log, read a record's history, and verify the hash chains.

Services flush, never commit: the entry is written in the caller's transaction, together with
the state change it records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload

from casework.audit.models import AuditEntry
from casework.db import LOCAL_TZ, among, today_local, utcnow
from casework.extensions import db

RECORD_MODELS_KEY = "casework.audit.record_models"


def register_record_models(app, models: Iterable[type]) -> None:
    """Name the models whose ``version`` counts their entries (the workflow records), so that
    ``verify`` finds a chain cut at its end. The workflow engine registers its record types:
    the log knows no workflow. ``models`` may be a live view (types registered later count)."""
    app.extensions[RECORD_MODELS_KEY] = models


def record_models() -> Iterable[type]:
    """The models registered with :func:`register_record_models` in the current app."""
    return current_app.extensions.get(RECORD_MODELS_KEY, ())

# Bumped only if the canonical form ever changes; it is part of every hash.
CANONICAL_FORM = 1

HASHED_FIELDS = (
    "workflow", "workflow_version", "record_type", "record_id", "seq", "event", "from_state",
    "to_state", "actor_id", "actor_name", "role", "org_unit_id", "reason", "data",
    "effective_at", "recorded_at", "prev_hash",
)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(entry: AuditEntry) -> bytes:
    """The entry as compact JSON with sorted keys and UTC timestamps, in UTF-8."""
    return _canonical({name: getattr(entry, name) for name in HASHED_FIELDS})


def _canonical(values: Mapping[str, Any]) -> bytes:
    """``canonical_bytes`` of the entry whose fields are ``values``."""
    body = {"form": CANONICAL_FORM}
    for name in HASHED_FIELDS:
        value = values[name]
        if isinstance(value, datetime):
            value = _timestamp(value)
        body[name] = value
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


_entries = AuditEntry.__table__
# Built once: the hash of one entry of one record (Core, so no ORM work per call).
_HASH_OF_ENTRY = sa.select(_entries.c.hash).where(
    _entries.c.record_type == sa.bindparam("record_type"),
    _entries.c.record_id == sa.bindparam("record_id"),
    _entries.c.seq == sa.bindparam("seq"),
)
_COLUMNS = frozenset(c.key for c in _entries.columns) - {"id", "recorded_at", "prev_hash",
                                                         "hash"}


def previous_hash(record_type: str, record_id: int, seq: int) -> str | None:
    """The hash of entry ``seq - 1`` of a record (None before the first entry)."""
    if seq == 1:
        return None
    found = db.session.connection().execute(
        _HASH_OF_ENTRY, {"record_type": record_type, "record_id": record_id, "seq": seq - 1}
    ).scalar()
    if found is None:
        raise RuntimeError(
            f"audit chain of {record_type} #{record_id} has no entry {seq - 1}; "
            "run `casework audit verify`"
        )
    return found


def new_entry(*, prev_hash: str | None = None, **values) -> AuditEntry:
    """The next entry of a record's chain, built and hashed: THE one place that does it.

    ``values`` are the entry's columns (``seq`` is the record's new version). ``prev_hash`` is
    the hash of the record's previous entry; when None for a ``seq`` after 1 it is read from
    the log. The hash covers exactly the values stored, in the canonical form that ``verify``
    recomputes from the row. The caller adds the entry to the session (every path does:
    open, fire, migrate, import, and the changes of records without a workflow).
    """
    unknown = values.keys() - _COLUMNS
    if unknown:
        raise TypeError(f"not columns of the audit log: {', '.join(sorted(unknown))}")
    row = dict.fromkeys(HASHED_FIELDS)
    row.update(values)
    # Stored as JSON gives it back: sorted keys, only JSON types.
    row["data"] = json.loads(json.dumps(row["data"] or {}, sort_keys=True, ensure_ascii=False))
    row["recorded_at"] = utcnow()
    if prev_hash is None:
        prev_hash = previous_hash(row["record_type"], row["record_id"], row["seq"])
    row["prev_hash"] = prev_hash
    return AuditEntry(**row, hash=hashlib.sha256(_canonical(row)).hexdigest())


def append_entry(*, prev_hash: str | None = None, **values) -> AuditEntry:
    """Add the next entry of a record's chain to the session and flush it."""
    entry = new_entry(prev_hash=prev_hash, **values)
    db.session.add(entry)
    db.session.flush()
    return entry


def append_first_entries(values: list[dict]) -> list[AuditEntry]:
    """The first entries (``seq`` 1) of new records' chains, each built by :func:`new_entry`,
    added together and written by one flush (for bulk imports)."""
    if any(v["seq"] != 1 for v in values):
        raise ValueError("append_first_entries only starts new chains (seq 1)")
    entries = [new_entry(**v) for v in values]
    if entries:
        db.session.add_all(entries)
        db.session.flush()
    return entries


def history(record_type: str, record_id: int) -> list[AuditEntry]:
    """A record's entries, oldest first, each with its actor's account (joined), not their
    role grants (loaded only if read)."""
    return list(db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.seq)
        .options(joinedload(AuditEntry.actor).lazyload("*"))
    ))


def history_of(record) -> list[AuditEntry]:
    return history(record.__record_type__, record.id)


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    record_type: str
    record_id: int
    seq: int | None
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.record_type} #{self.record_id}"
        if self.seq is not None:
            where += f" entry {self.seq}"
        if self.entry_id is not None:
            where += f" (id {self.entry_id})"
        return f"{where}: {self.problem}"


@dataclass
class VerifyReport:
    entries: int = 0
    chains: int = 0
    breaks: list[Break] | None = None

    @property
    def ok(self) -> bool:
        return not self.breaks


def _check_chain(record_type: str, record_id: int, entries: list[AuditEntry]) -> list[Break]:
    breaks = []
    prev: str | None = None
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            breaks.append(Break(record_type, record_id, entry.seq, entry.id,
                                f"expected entry {expected_seq} here: an entry is missing "
                                "or out of order"))
        if entry.prev_hash != prev:
            breaks.append(Break(record_type, record_id, entry.seq, entry.id,
                                "does not follow the previous entry (prev_hash differs)"))
        if compute_hash(entry) != entry.hash:
            breaks.append(Break(record_type, record_id, entry.seq, entry.id,
                                "was altered (its content no longer matches its hash)"))
        prev = entry.hash
    return breaks


def _chains(batch: int = 2000) -> Iterator[tuple[str, int, list[AuditEntry]]]:
    stmt = (
        sa.select(AuditEntry)
        .order_by(AuditEntry.record_type, AuditEntry.record_id, AuditEntry.seq, AuditEntry.id)
        .execution_options(yield_per=batch)
    )
    key, chain = None, []
    for entry in db.session.scalars(stmt):
        this = (entry.record_type, entry.record_id)
        if this != key and chain:
            yield key[0], key[1], chain
            chain = []
        key = this
        chain.append(entry)
    if chain:
        yield key[0], key[1], chain


def verify(record_models: Iterable[type] = ()) -> VerifyReport:
    """Check every chain; with ``record_models``, also that no chain lost its newest entries.

    A record's ``version`` equals the number of its entries, so a chain cut at its end (or
    removed entirely) is found by comparing the two.
    """
    report = VerifyReport(breaks=[])
    last_seq: dict[tuple[str, int], int] = {}
    for record_type, record_id, chain in _chains():
        report.chains += 1
        report.entries += len(chain)
        report.breaks.extend(_check_chain(record_type, record_id, chain))
        last_seq[(record_type, record_id)] = chain[-1].seq
    for model in record_models:
        rows = db.session.execute(sa.select(model.id, model.version).order_by(model.id))
        for record_id, version in rows:
            have = last_seq.get((model.__record_type__, record_id), 0)
            if have != version:
                report.breaks.append(Break(
                    model.__record_type__, record_id, None, None,
                    f"the record is at version {version} but its chain ends at entry {have}: "
                    "entries were removed",
                ))
    return report


# --- states as of a day ----------------------------------------------------------------------


def end_of(day: date) -> datetime:
    """The first instant after ``day`` in Vietnam: "as of day D" includes all of D."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)


def last_entry_seq(record_type: str, id_column, cutoff: datetime, changes_only: bool = False):
    """Scalar subquery: the seq of the last entry before ``cutoff`` of the record whose id is
    ``id_column`` (correlated); with ``changes_only``, of the last that changed its state or
    created it (the entry that entered the state it was in then)."""
    entry = aliased(AuditEntry)
    conditions = [entry.record_type == record_type, entry.record_id == id_column,
                  entry.effective_at < cutoff]
    if changes_only:
        conditions.append(sa.or_(entry.from_state.is_(None), entry.from_state != entry.to_state))
    return sa.select(sa.func.max(entry.seq)).where(*conditions).scalar_subquery()


def states_as_of(record_type: str, cutoff: datetime, units=None):
    """SELECT (record_id, state, org_unit_id) of every record of a type as of ``cutoff``: the
    state and unit its last entry before ``cutoff`` names.

    With ``units`` (org-unit ids: a list, or a SELECT that is read first), only the records
    whose last entry names one of them: the entries naming them are read through the index
    on ``org_unit_id``, each record's newest kept if no later entry of the record comes
    before ``cutoff`` (the unique index on record and seq), instead of grouping the whole
    country's log.
    """
    if units is None:
        last = (
            sa.select(AuditEntry.record_id, sa.func.max(AuditEntry.seq).label("seq"))
            .where(AuditEntry.record_type == record_type, AuditEntry.effective_at < cutoff)
            .group_by(AuditEntry.record_id)
            .subquery()
        )
        entry = aliased(AuditEntry)
        return (
            sa.select(entry.record_id, entry.to_state.label("state"), entry.org_unit_id)
            .join(last, sa.and_(entry.record_id == last.c.record_id, entry.seq == last.c.seq))
            .where(entry.record_type == record_type)
        )
    # Each record's newest entry among the territory's (one sort of them), then one look-up
    # per record that no newer entry of it, naming any unit, comes before the cutoff: a
    # province's 80,000 entries cost 19,000 probes instead of 80,000 (issue 16).
    entry = aliased(AuditEntry)
    newest = (
        sa.select(entry.record_id, entry.seq, entry.to_state, entry.org_unit_id,
                  sa.func.row_number().over(partition_by=entry.record_id,
                                            order_by=entry.seq.desc()).label("rank"))
        .where(entry.record_type == record_type, entry.effective_at < cutoff,
               among(entry.org_unit_id, unit_ids(units)))
        .subquery()
    )
    later = aliased(AuditEntry)
    return (
        sa.select(newest.c.record_id, newest.c.to_state.label("state"), newest.c.org_unit_id)
        .where(newest.c.rank == 1, ~sa.exists().where(
            later.record_type == record_type, later.record_id == newest.c.record_id,
            later.seq > newest.c.seq, later.effective_at < cutoff))
    )


def unit_ids(units) -> list[int]:
    """Org-unit ids given as a list or as a SELECT (read now, and written into the statement
    that uses them with ``among``: a territory's units, a province's ~3,800 included, keep
    the plans simple on both databases, statistics or not)."""
    if isinstance(units, sa.Select):
        return list(db.session.scalars(units))
    return list(units)


def record_model(record_type: str) -> type:
    """The registered workflow model whose records are of ``record_type``."""
    for model in record_models():
        if getattr(model, "__record_type__", None) == record_type:
            return model
    raise LookupError(f"no workflow model of record type {record_type!r}")


def states_on(record_type: str, day: date, units=None):
    """SELECT (record_id, state, org_unit_id) of the records of a type at the end of ``day``
    (Vietnam's), optionally only those in ``units`` (a SELECT of org-unit ids).

    For today (or later) the records themselves say it: every entry is dated by now, and the
    last one left the record in its state. Past days read the log (``states_as_of``). One
    difference: an event that moves its record (a person's transfer) names the unit it left,
    so the log keeps the person there until the next event; the record is already in the new
    unit, and today's figures count it there."""
    if day < today_local():
        return states_as_of(record_type, end_of(day), units)
    model = record_model(record_type)
    stmt = sa.select(model.id.label("record_id"), model.state.label("state"),
                     model.org_unit_id.label("org_unit_id")).where(model.state.is_not(None))
    return stmt if units is None else stmt.where(among(model.org_unit_id, unit_ids(units)))


# --- states read once within a report -------------------------------------------------------
# A province's six-month report needs the states of its persons on the period's last day three
# times (its rows, and the managed shares of users and of addicts): ~0.5 s each from the log
# at 500k persons (issue 16). Within ``shared_states()`` the rows are read once per record
# type, day and territory; outside, every call reads them again.

_shared: ContextVar[dict | None] = ContextVar("casework_shared_states", default=None)


@contextmanager
def shared_states() -> Iterator[None]:
    """Within: ``states_rows`` reads each (record type, day, territory) once. For read-only
    work (a report, a page): a write inside the block would not be seen by a later read."""
    token = _shared.set({}) if _shared.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _shared.reset(token)


def states_rows(record_type: str, day: date, units) -> list:
    """The rows of ``states_on(record_type, day, units)``: (record_id, state, org_unit_id)."""
    ids = unit_ids(units)
    memo = _shared.get()
    key = (record_type, day, tuple(sorted(ids)))
    if memo is not None and key in memo:
        return memo[key]
    rows = db.session.execute(states_on(record_type, day, ids)).all()
    if memo is not None:
        memo[key] = rows
    return rows
