"""QĐ 28/2025 on a changing map: a successor adds up its predecessors (WORKFLOWS.md §6)."""

from __future__ import annotations

from datetime import date

from casework.areas.qd28 import classify_commune
from casework.orgunits import successions
from casework.orgunits.services import create_orgunit

ON = date(2025, 7, 1)
BASIS = "NQ 1670/NQ-UBTVQH15 Art 1.35"


def test_a_successor_adds_up_its_predecessors(db, tree, fact):
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=ON)
    db.session.commit()
    fact("W1", "population", residents=1000, as_of=date(2025, 1, 1))
    fact("W2", "population", residents=2000, as_of=date(2025, 1, 1))
    venue = fact("W1", "use_venue", found_date=date(2025, 3, 1))  # on the old ward itself
    fact("G21", "drug_plants", plant_count=600, found_date=date(2025, 5, 1))
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.flush()

    result = classify_commune(tree["N"], 2025)
    by = {c.code: c for c in result.criteria}
    assert result.population == 3000
    assert by["b"].value == 1 and by["d"].value["plants"] == 600 and by["d"].band == "type_2"
    breaking = {c.code: c for c in result.drug_free_criteria}["6.3"]
    assert [e.id for e in breaking.evidence] == [venue.id]

    # The old ward keeps its own territory: its last day's map.
    old = classify_commune(tree["W1"], 2025)
    assert old.population == 1000 and {c.code: c for c in old.criteria}["d"].value["plants"] == 0


def test_a_successor_with_its_own_population_uses_it(db, tree, fact):
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=ON)
    db.session.commit()
    fact("W1", "population", residents=1000, as_of=date(2025, 1, 1))
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.flush()
    assert classify_commune(tree["N"], 2025).population is None  # W2 has no figure
    fact("N", "population", residents=5000, as_of=date(2025, 8, 1))
    assert classify_commune(tree["N"], 2025).population == 5000


def test_a_period_after_a_unit_ended_is_refused(db, tree, api_as):
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=ON)
    db.session.commit()
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.commit()
    client = api_as(("police", "C"))
    assert client.get("/api/v1/areas/W1/classification?period=2025").status_code == 200
    response = client.get("/api/v1/areas/W1/classification?period=2026")
    assert response.status_code == 422 and "Phường Một" in response.get_json()["message"]
