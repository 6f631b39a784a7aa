"""Workflow records in bulk, cloned from templates that went through the real engine.

A template is one record (a person, an area, a commune review) opened and moved on by
``casework.workflow`` as a user would: its row, its audit entries and the rows its events
wrote (a person's drug tests, decisions, rehab episodes...). ``Cloner.clone`` copies all of
it for another org unit, every date moved by the same number of days (dates inside the
entries' data too), and chains the copies' entries with the app's hashing
(``bench.dataset.chain``): the copies read as the engine would have written them, and
``casework audit verify`` passes. ``flush`` writes what was cloned, in bulk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from bench.dataset import ENTRY_COLUMNS, chain, copy_rows, next_ids

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _shift(value, delta: timedelta):
    """``value`` moved by ``delta``: dates, datetimes, and ISO dates inside JSON data."""
    if isinstance(value, date):  # datetime too
        return value + delta
    if isinstance(value, str) and _DAY.match(value):
        return (date.fromisoformat(value) + delta).isoformat()
    if isinstance(value, dict):
        return {k: _shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    return value


@dataclass
class Template:
    """One record as the engine left it."""

    table: sa.Table
    record_type: str
    row: dict
    entries: list[dict]
    dependents: dict[str, list[dict]]  # table → rows that name the record

    @property
    def state(self) -> str:
        return self.row["state"]


def dependent_tables(record_table: sa.Table) -> list[sa.Table]:
    """Tables whose rows name a record of ``record_table`` (a person's event rows)."""
    found = []
    for table in record_table.metadata.sorted_tables:
        names = any(fk.column.table is record_table for c in table.columns
                    for fk in c.foreign_keys)
        if names and "audit_entry_id" in table.c:
            found.append(table)
    return found


def load_template(conn, model, record_id: int) -> Template:
    from casework.audit.models import AuditEntry

    table = model.__table__
    row = dict(conn.execute(sa.select(table).where(table.c.id == record_id)).mappings().one())
    entries = [dict(e) for e in conn.execute(
        sa.select(AuditEntry.__table__).where(
            AuditEntry.record_type == model.__record_type__,
            AuditEntry.record_id == record_id).order_by(AuditEntry.seq)).mappings()]
    dependents = {}
    for dep in dependent_tables(table):
        key = next(c for c in dep.columns for fk in c.foreign_keys if fk.column.table is table)
        dependents[dep.name] = [dict(r) for r in conn.execute(
            sa.select(dep).where(key == record_id).order_by(dep.c.id)).mappings()]
    return Template(table, model.__record_type__, row, entries, dependents)


@dataclass
class Cloner:
    """Clones of templates, kept until ``flush`` writes them."""

    conn: object
    tables: dict[str, sa.Table] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    entries: list[dict] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)

    def _id(self, table: str) -> int:
        if table not in self.ids:
            self.ids.update(next_ids(self.conn, table))
        self.ids[table] += 1
        return self.ids[table] - 1

    def _add(self, table: sa.Table, row: dict) -> None:
        self.tables[table.name] = table
        self.rows.setdefault(table.name, []).append(row)

    def clone(self, t: Template, unit_id: int, days: int = 0, **values) -> int:
        """A copy of ``t`` in ``unit_id``, every date moved by ``days``; ``values`` replace
        columns of the record's row. Returns the new record's id."""
        delta = timedelta(days=days)
        record_id = self._id(t.table.name)
        row = {k: _shift(v, delta) for k, v in t.row.items()}
        row.update(id=record_id, org_unit_id=unit_id, **values)
        self._add(t.table, row)
        entry_ids, entries = {}, []
        for e in t.entries:
            new = {k: _shift(v, delta) for k, v in e.items()}
            new.update(id=self._id("audit_entries"), record_id=record_id, org_unit_id=unit_id)
            entry_ids[e["id"]] = new["id"]
            entries.append(new)
        self.entries.extend(chain(entries))
        for name, dep_rows in t.dependents.items():
            table = t.table.metadata.tables[name]
            key = next(c.name for c in table.columns for fk in c.foreign_keys
                       if fk.column.table is t.table)
            for r in dep_rows:
                new = {k: _shift(v, delta) for k, v in r.items()}
                new.update(id=self._id(name), org_unit_id=unit_id,
                           audit_entry_id=entry_ids[r["audit_entry_id"]])
                new[key] = record_id
                self._add(table, new)
        return record_id

    def flush(self) -> None:
        """Write the records, then their entries, then their event rows."""
        from casework.audit.models import AuditEntry

        order = [t for t in AuditEntry.metadata.sorted_tables if t.name in self.rows]
        records = [t for t in order if "audit_entry_id" not in t.c]
        for table in records:
            self._write(table)
        self.written["audit_entries"] = self.written.get("audit_entries", 0) + copy_rows(
            self.conn, AuditEntry.__table__, ENTRY_COLUMNS, self.entries)
        self.entries = []
        for table in order:
            if table not in records:
                self._write(table)

    def _write(self, table: sa.Table) -> None:
        rows = self.rows.pop(table.name)
        columns = list(rows[0])
        self.written[table.name] = self.written.get(table.name, 0) + copy_rows(
            self.conn, table, columns, rows)


def days_back(rnd, spread: int) -> int:
    """A shift into the past of up to ``spread`` days (templates end before now, so their
    clones do too)."""
    return -rnd.randrange(spread) if spread > 0 else 0
