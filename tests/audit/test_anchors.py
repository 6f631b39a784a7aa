"""Audit anchors: the chains' heads signed with a key outside the database.

The attack they answer: the tables' owner rewrites an entry and recomputes every hash after
it. The chains are consistent again, so only the anchors can tell.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.workflow.registry import registry
from tests.conftest import is_postgres

pytestmark = pytest.mark.usefixtures("records")


@pytest.fixture(autouse=True)
def instance_files(app):
    """The anchors, their lock and key are the test's own: removed afterwards, since the
    entries they name are rolled back."""
    folder = Path(app.instance_path)
    names = ("audit-anchors.jsonl", "audit-anchors.jsonl.lock", "audit_key")
    for name in names:
        (folder / name).unlink(missing_ok=True)
    yield folder
    for name in names:
        (folder / name).unlink(missing_ok=True)


@pytest.fixture
def walked(reach):
    """A person with 7 entries and its driver, and an area with 2 entries."""
    person, driver = reach("person", "post_rehab")
    area, _ = reach("area", "complex", unit="W1")
    return person, driver, area


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _anchor_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in
            (folder / "audit-anchors.jsonl").read_text().splitlines()]


def _rewrite_chain(db, record_type: str, record_id: int, seq: int, reason: str) -> None:
    """What the tables' owner can do: change entry ``seq`` and recompute every hash after it,
    so that each entry matches its hash and follows the one before. On PostgreSQL the owner
    first disables the append-only trigger, and enables it again afterwards."""
    entries = audit.history(record_type, record_id)
    rows = [({name: getattr(e, name) for name in audit.HASHED_FIELDS}, e.id, e.hash)
            for e in entries]
    if is_postgres():
        db.session.execute(sa.text(
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
    prev = rows[seq - 2][2] if seq > 1 else None
    for fields, entry_id, _old in rows[seq - 1:]:
        fields["prev_hash"] = prev
        if fields["seq"] == seq:
            fields["reason"] = reason
        new_hash = audit.compute_hash(AuditEntry(**fields))  # transient: never flushed
        db.session.execute(
            sa.text("UPDATE audit_entries SET reason = :reason, prev_hash = :prev, hash = :h "
                    "WHERE id = :id"),
            {"reason": fields["reason"], "prev": prev, "h": new_hash, "id": entry_id})
        prev = new_hash
    if is_postgres():
        db.session.execute(sa.text(
            "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"))
    db.session.expire_all()


def test_anchor_then_verify_passes_and_a_chain_may_grow(app, db, walked, instance_files):
    person, driver, area = walked
    result = run(app, "audit", "anchor")
    assert result.exit_code == 0, result.output
    assert "Anchor 1 written" in result.output
    (line,) = _anchor_lines(instance_files)
    heads = {(t, i): (s, h) for t, i, s, h in line["heads"]}
    assert heads[("person", person.id)] == (person.version, audit.history_of(person)[-1].hash)
    assert heads[("area", area.id)] == (area.version, audit.history_of(area)[-1].hash)
    assert stat.S_IMODE((instance_files / "audit-anchors.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE((instance_files / "audit_key").stat().st_mode) == 0o600

    verified = run(app, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "against 1 anchor(s)" in verified.output

    # The person's chain grows: still fine, and the next anchor names only that chain.
    driver.fire(person, "complete_post_rehab", "commune_chair", "complete_post_rehab", wait=370)
    assert run(app, "audit", "verify").exit_code == 0
    second = run(app, "audit", "anchor")
    assert second.exit_code == 0, second.output
    assert "1 with a new head" in second.output
    first, latest = _anchor_lines(instance_files)
    assert latest["n"] == 2 and latest["prev"] == first["mac"]
    assert latest["heads"] == [["person", person.id, person.version,
                                audit.history_of(person)[-1].hash]]
    assert run(app, "audit", "verify").exit_code == 0


def test_an_owner_who_rewrites_and_rehashes_a_chain_is_caught_by_the_anchor(app, db, walked):
    person, _, _ = walked
    assert run(app, "audit", "anchor").exit_code == 0

    _rewrite_chain(db, "person", person.id, seq=3, reason="rewritten by the owner")

    # The chains alone no longer tell: every entry matches its hash and follows the last.
    chains_only = audit.verify(registry.record_types.values())
    assert chains_only.ok, [str(b) for b in chains_only.breaks]
    assert audit.history_of(person)[2].reason == "rewritten by the owner"
    # The anchor does.
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert (f"person #{person.id} entry {person.version}: differs from anchor 1"
            in result.output)
    # And no new anchor vouches for the rewritten log.
    refused = run(app, "audit", "anchor")
    assert refused.exit_code == 1 and "before anchoring" in refused.output


def test_without_anchors_the_rewrite_goes_unnoticed(app, db, walked):
    """Why anchors exist: the same attack with no anchor passes `verify`."""
    person, _, _ = walked
    _rewrite_chain(db, "person", person.id, seq=2, reason="rewritten")
    assert run(app, "audit", "verify").exit_code == 0


def test_a_chain_that_lost_its_anchored_entries_is_found(app, db, walked):
    person, _, area = walked
    assert run(app, "audit", "anchor").exit_code == 0
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        db.session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    db.session.execute(sa.text("DELETE FROM audit_entries WHERE record_type = 'area' "
                               "AND record_id = :id"), {"id": area.id})
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert (f"area #{area.id} entry {area.version}: anchored by anchor 1 but no longer in "
            "the log") in result.output


@pytest.mark.parametrize("change", ["hash", "line_removed", "other_key", "garbled"])
def test_an_altered_anchors_file_is_found(app, db, walked, instance_files, change,
                                          monkeypatch):
    person, driver, _ = walked
    assert run(app, "audit", "anchor").exit_code == 0
    driver.fire(person, "complete_post_rehab", "commune_chair", "complete_post_rehab", wait=370)
    assert run(app, "audit", "anchor").exit_code == 0
    path = instance_files / "audit-anchors.jsonl"
    lines = path.read_text().splitlines()
    expected = {
        "hash": "anchor 2: altered",
        "line_removed": "anchor 1: out of sequence",
        "other_key": "anchor 1: signed with another key",
        "garbled": "anchor 2: not a well-formed anchor line",
    }[change]
    if change == "hash":
        body = json.loads(lines[1])
        body["heads"][0][3] = "0" * 64
        lines[1] = json.dumps(body)
    elif change == "line_removed":
        del lines[0]
    elif change == "other_key":
        monkeypatch.setitem(app.config, "AUDIT_KEY", "some other key")
    else:
        lines[1] = lines[1][:40]
    path.write_text("\n".join(lines) + "\n")
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert expected in result.output


def test_anchors_without_their_key_are_an_error(app, db, walked, instance_files):
    assert run(app, "audit", "anchor").exit_code == 0
    (instance_files / "audit_key").unlink()
    for command in ("verify", "anchor"):
        result = run(app, "audit", command)
        assert result.exit_code == 1
        assert "CASEWORK_AUDIT_KEY" in result.output
    assert len(_anchor_lines(instance_files)) == 1


def test_casework_audit_key_signs_when_set(app, db, walked, instance_files, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", "kept in the vault")
    assert run(app, "audit", "anchor").exit_code == 0
    assert not (instance_files / "audit_key").exists()
    assert run(app, "audit", "verify").exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_KEY", None)  # the instance folder has no key
    assert run(app, "audit", "verify").exit_code == 1


def test_a_tampered_log_is_not_anchored(app, db, walked, instance_files):
    person, _, _ = walked
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text("UPDATE audit_entries SET reason = 'x' WHERE "
                               "record_type = 'person' AND record_id = :id AND seq = 2"),
                       {"id": person.id})
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    result = run(app, "audit", "anchor")
    assert result.exit_code == 1 and "problem(s)" in result.output
    assert not (instance_files / "audit-anchors.jsonl").exists()


def test_the_environment_variable_reaches_the_config(tmp_path, monkeypatch):
    from tests.conftest import make_test_app

    monkeypatch.setenv("CASEWORK_AUDIT_KEY", "from the environment")
    app = make_test_app("sqlite://", tmp_path)
    assert app.config["AUDIT_KEY"] == "from the environment"
