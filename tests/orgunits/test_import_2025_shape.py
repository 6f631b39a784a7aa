"""`casework orgunits import` of today's national map (WORKFLOWS.md §6): 34 provinces whose
communes, wards and special zones sit directly under them, villages and groups under those.
The shape of the real file (34 provinces, 3,321 communes), generated here at a small size;
the full size is timed in bench (README "Benchmarks")."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from casework.orgunits import history
from casework.orgunits.models import OrgUnit, OrgUnitLink

PROVINCES = 34
KINDS = ("commune", "ward", "special_zone")


def national_csv(communes_per_province: int = 3, villages: int = 2, *,
                 dated: bool = False) -> str:
    """Provinces P01–P34, each with ``communes_per_province`` communes of mixed kinds (the
    first province one more, as the real file is uneven), ``villages`` villages or groups each.
    Children come before their parents in half the provinces (the file may be in any order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["code", "name", "kind", "parent_code"] + (["valid_from", "valid_to"] if dated
                                                        else [])
    writer.writerow(header)
    dates = ["2025-07-01", ""] if dated else []
    for p in range(1, PROVINCES + 1):
        province = f"P{p:02d}"
        rows = [[province, f"Tỉnh Số {p}", "province", ""] + ([""] * len(dates))]
        for c in range(communes_per_province + (p == 1)):
            kind = KINDS[c % len(KINDS)]
            commune = f"{province}C{c:03d}"
            rows.append([commune, f"Xã {p}-{c}", kind, province] + dates)
            leaf = "residential_group" if kind == "ward" else "village"
            rows += [[f"{commune}V{v:02d}", f"Thôn {p}-{c}-{v}", leaf, commune] + dates
                     for v in range(villages)]
        writer.writerows(reversed(rows) if p % 2 else rows)
    return out.getvalue()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_2025_national_shape_imports_and_reimports(app, db, tmp_path):
    path = tmp_path / "donvi-2025.csv"
    path.write_text(national_csv(), encoding="utf-8")
    communes = PROVINCES * 3 + 1
    total = PROVINCES + communes * 3
    result = run(app, "orgunits", "import", str(path))
    assert result.exit_code == 0, result.output
    assert f"{total} created, 0 updated, 0 unchanged" in result.output
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    assert len(units) == total
    for code, unit in units.items():
        if unit.kind in KINDS:
            assert unit.parent.kind == "province" and unit.depth == 1, code
            assert unit.path == f"{unit.parent.id}.{unit.id}."
        elif unit.kind == "province":
            assert unit.parent_id is None and unit.depth == 0
        else:
            assert unit.parent.kind in KINDS and unit.depth == 2
    # One link each, the unit's place: the map of any day finds the province's communes.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgUnitLink)) == total
    for link in db.session.scalars(sa.select(OrgUnitLink)):
        unit = db.session.get(OrgUnit, link.unit_id)
        assert (link.parent_id, link.path, link.depth, link.valid_from, link.valid_to) == (
            unit.parent_id, unit.path, unit.depth, unit.valid_from, unit.valid_to)
    p01 = units["P01"]
    inside = history.subtree_ids_on(p01, date(2026, 1, 1))
    assert len(inside) == 1 + 4 * 3
    again = run(app, "orgunits", "import", str(path))
    assert f"0 created, 0 updated, {total} unchanged" in again.output


def test_the_dated_2025_file_keeps_its_dates(app, db, tmp_path):
    path = tmp_path / "donvi-2025.csv"
    path.write_text(national_csv(2, 1, dated=True), encoding="utf-8")
    result = run(app, "orgunits", "import", str(path))
    assert result.exit_code == 0, result.output
    commune = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "P07C001"))
    assert commune.kind == "ward" and commune.valid_from == date(2025, 7, 1)
    assert commune.parent.code == "P07"
    link = db.session.scalar(sa.select(OrgUnitLink).where(OrgUnitLink.unit_id == commune.id))
    assert (link.valid_from, link.valid_to, link.path) == (date(2025, 7, 1), None, commune.path)


def test_a_commune_under_a_village_or_a_province_under_a_province_is_still_refused(
        app, db, tmp_path):
    text = national_csv(1, 1) + "X1,Xã Sai,commune,P01C000V00\nX2,Tỉnh Sai,province,P02\n"
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = run(app, "orgunits", "import", str(path))
    assert result.exit_code == 1
    lines = text.splitlines()
    assert f":{len(lines) - 1}:" in result.output and f":{len(lines)}:" in result.output
    assert "2 bad row(s); nothing was imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgUnit)) == 0
