"""Bulk builders shared by the national-scale benches (bench/qd28.py, bench/national.py).

- ``copy_rows``: rows into a table, COPY on PostgreSQL and executemany elsewhere, each value
  through its column's type (UTC timestamps, JSON) as the ORM would write it;
- ``build_map``: today's two-level map (34 provinces, 3,321 communes and wards directly under
  them, villages under each), with its closure links;
- ``build_facts``: the QĐ 28/2025 facts of every commune (population, incidents, routes) and
  hotspots, each hotspot with the first entry of its audit chain;
- ``chain``: prev_hash and hash of a record's entries, through the app's own hashing
  (``casework.audit.services.compute_hash``), so that ``casework audit verify`` passes;
- ``next_ids`` / ``set_sequences``: ids given in bulk, and PostgreSQL's sequences moved past
  them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

PROVINCES = 34
COMMUNES = 3321
BIG = 124  # communes of the big province (the first, P00)

# Person states and their shares (a realistic register: most closed or in community measures).
STATES = (("cleared", 20), ("suspected", 3), ("positive", 2), ("managed_user", 14),
          ("assessment", 1), ("addict", 8), ("relapsed", 2), ("rehab_community", 7),
          ("rehab_facility", 3), ("methadone", 12), ("compulsory_dossier", 1),
          ("compulsory_rehab", 4), ("post_rehab", 9), ("reintegrated", 8),
          ("management_ended", 5), ("exited", 1))
MANAGED = {"managed_user", "assessment", "addict", "relapsed", "rehab_community",
           "rehab_facility", "methadone", "compulsory_dossier", "compulsory_rehab",
           "post_rehab"}
ART61 = MANAGED - {"methadone", "rehab_community", "post_rehab"} | {"positive"}


def copy_rows(conn, table: sa.Table, columns: list[str], rows: Iterable) -> int:
    """Bulk rows (tuples in ``columns``' order, or dicts): COPY on PostgreSQL, executemany
    elsewhere; returns how many."""
    procs = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    n = 0
    if conn.dialect.name == "postgresql":
        # psycopg adapts JSON itself (no bind processor): COPY takes its text.
        procs = [_json_text if isinstance(table.c[c].type, sa.JSON) else p
                 for c, p in zip(columns, procs, strict=True)]
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                values = [row[c] for c in columns] if isinstance(row, dict) else row
                copy.write_row([p(v) if p and v is not None else v
                                for p, v in zip(procs, values, strict=True)])
                n += 1
        return n
    batch = []
    for row in rows:
        batch.append({c: row[c] for c in columns} if isinstance(row, dict)
                     else dict(zip(columns, row, strict=True)))
        if len(batch) == 20_000:
            conn.execute(table.insert(), batch)
            n, batch = n + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def next_ids(conn, *tables: str) -> dict[str, int]:
    """The first free id of each table."""
    return {t: (conn.execute(sa.text(f"SELECT max(id) FROM {t}")).scalar() or 0) + 1
            for t in tables}


def set_sequences(conn, tables: Iterable[str]) -> None:
    """PostgreSQL: each table's id sequence past its largest id (bulk rows name their ids)."""
    if conn.dialect.name != "postgresql":
        return
    for t in tables:
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                             f"coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"))


def chain(entries: list[dict], prev_hash: str | None = None) -> list[dict]:
    """Set ``prev_hash`` and ``hash`` of one record's entries (in ``seq`` order), with the
    app's hashing: the canonical form that ``casework audit verify`` recomputes."""
    from casework.audit.services import HASHED_FIELDS, compute_hash

    for entry in entries:
        entry["prev_hash"] = prev_hash
        for name in HASHED_FIELDS:
            entry.setdefault(name, None)
        prev_hash = entry["hash"] = compute_hash(SimpleNamespace(**entry))
    return entries


@dataclass
class Map:
    units: int = 0
    provinces: list[tuple[int, str, str]] = field(default_factory=list)  # (id, code, path)
    communes: list[tuple[int, int, str]] = field(default_factory=list)  # (id, province, path)
    villages: list[tuple[int, int]] = field(default_factory=list)  # (id, commune id)


def build_map(conn, villages: Callable[[int], int], now: datetime | None = None,
              provinces: int = PROVINCES, communes: int = COMMUNES, big: int = BIG) -> Map:
    """Today's map: 34 provinces, the big one (P00) with 124 communes, 3,321 communes and
    wards in all (every third a ward), each with ``villages(commune number)`` villages.
    (Fewer for the tests: ``provinces``, ``communes``, ``big``.)"""
    from casework.orgunits.models import OrgUnit, OrgUnitLink

    now = now or datetime.now(UTC)
    units, links = [], []
    built = Map()
    next_id = 1

    def unit(code, name, kind, parent_id, path, depth):
        units.append((next_id, code, name, kind, parent_id, path, depth, False, now))
        links.append((next_id, next_id, parent_id, path, depth))

    per_province = [big] + [0] * (provinces - 1)
    rest = communes - big
    for i in range(1, provinces):
        per_province[i] = rest // (provinces - 1) + (1 if i <= rest % (provinces - 1) else 0)
    n = 0
    for p, count in enumerate(per_province):
        pid, ppath = next_id, f"{next_id}."
        unit(f"P{p:02d}", f"Tỉnh {p:02d}", "province", None, ppath, 0)
        built.provinces.append((pid, f"P{p:02d}", ppath))
        next_id += 1
        for c in range(count):
            cid, cpath = next_id, f"{ppath}{next_id}."
            unit(f"P{p:02d}C{c:03d}", f"Xã {p:02d}-{c:03d}", "ward" if c % 3 == 0 else "commune",
                 pid, cpath, 1)
            next_id += 1
            built.communes.append((cid, pid, cpath))
            for v in range(villages(n)):
                unit(f"P{p:02d}C{c:03d}V{v:02d}", f"Thôn {v}", "village", cid,
                     f"{cpath}{next_id}.", 2)
                built.villages.append((next_id, cid))
                next_id += 1
            n += 1
    copy_rows(conn, OrgUnit.__table__, ["id", "code", "name", "kind", "parent_id", "path",
                                        "depth", "remote", "created_at"], units)
    copy_rows(conn, OrgUnitLink.__table__, ["id", "unit_id", "parent_id", "path", "depth"],
              links)
    built.units = len(units)
    return built


def period_days(year: int) -> tuple[date, date]:
    """The QĐ 28 review period of ``year`` (15/12 of the year before to 14/12), cut at the
    data's last day (30/11)."""
    return date(year - 1, 12, 15), min(date(year, 12, 14), date(year, 11, 30))


def build_facts(conn, rnd: random.Random, communes: list[tuple[int, int, str]], year: int,
                entry_id: int, actor: tuple[int | None, str] = (None, "bench"),
                now: datetime | None = None) -> tuple[list[dict], int, int]:
    """QĐ 28's facts of every commune, in the shares of a real register, and hotspots (a
    third of the communes) with their first audit entry, hashed. Returns the hotspots'
    entries (to be written by the caller with the rest of the log), the facts and hotspots
    written."""
    from casework.areas.models import AreaFact, Hotspot

    now = now or datetime.now(UTC)
    start, last = period_days(year)
    facts, hotspots, entries = [], [], []
    ids = next_ids(conn, "area_facts", "hotspots")
    fid, hid = ids["area_facts"], ids["hotspots"]

    def fact(kind, org_unit_id, **values):
        nonlocal fid
        facts.append({"id": fid, "kind": kind, "org_unit_id": org_unit_id, "recorded_at": now,
                      **values})
        fid += 1

    def day_in_period():
        return start + timedelta(days=rnd.randrange((last - start).days))

    for cid, _pid, _path in communes:
        fact("population", cid, residents=rnd.randrange(4_000, 40_000), as_of=date(year, 1, 1))
        if rnd.random() < 0.1:
            fact("use_venue", cid, found_date=day_in_period())
        for _ in range(rnd.choice((0, 0, 1, 2, 5, 15))):
            found = day_in_period()
            fact("offender", cid, found_date=found, arrested_on=found,
                 resident_since=date(2020, 1, 1),
                 resolved_date=found + timedelta(days=30) if rnd.random() < 0.5 else None)
        if rnd.random() < 0.05:
            fact("fugitive", cid, found_date=day_in_period())
        if rnd.random() < 0.03:
            fact("drug_plants", cid, found_date=day_in_period(),
                 plant_count=rnd.randrange(50, 5000), plant_area_m2=float(rnd.randrange(10, 900)))
        if rnd.random() < 0.05:
            fact("key_route", cid, route_scope=rnd.choice(("intra", "inter")),
                 decision_no=f"{cid}/QĐ", started_on=date(2024, 1, 1))
        if rnd.random() < 0.3:
            found = day_in_period()
            at = datetime.combine(found, datetime.min.time(), tzinfo=UTC)
            name = f"Điểm {hid}"
            hotspots.append((hid, cid, name, found, "detected", 1, 1, at, at, now))
            entries.extend(chain([{
                "id": entry_id, "workflow": "hotspot", "workflow_version": 1,
                "record_type": "hotspot", "record_id": hid, "seq": 1, "event": "open",
                "from_state": None, "to_state": "detected", "actor_id": actor[0],
                "actor_name": actor[1], "role": "police", "org_unit_id": cid,
                "data": {"found_date": found.isoformat(), "name": name},
                "effective_at": at, "recorded_at": at}]))
            entry_id += 1
            hid += 1
    columns = sorted({k for f in facts for k in f})
    copy_rows(conn, AreaFact.__table__, columns, [tuple(f.get(c) for c in columns)
                                                   for f in facts])
    copy_rows(conn, Hotspot.__table__, ["id", "org_unit_id", "name", "found_date", "state",
                                        "version", "workflow_version", "state_entered_at",
                                        "last_event_at", "created_at"], hotspots)
    return entries, len(facts), len(hotspots)


ENTRY_COLUMNS = ["id", "workflow", "workflow_version", "record_type", "record_id", "seq",
                 "event", "from_state", "to_state", "actor_id", "actor_name", "role",
                 "org_unit_id", "reason", "data", "effective_at", "recorded_at", "prev_hash",
                 "hash"]


def write_entries(conn, entries: Iterable[dict]) -> int:
    """Hashed entries (``chain``) into the audit log."""
    from casework.audit.models import AuditEntry

    return copy_rows(conn, AuditEntry.__table__, ENTRY_COLUMNS, entries)
