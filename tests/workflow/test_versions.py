"""Versions: records keep theirs; `workflows migrate` moves open records after a dry run."""

from __future__ import annotations

import pytest

from casework.audit import services as audit
from casework.auth.roles import ROLES
from casework.resources import resource_dir
from casework.workflow.catalog import EXTENSION_KEY, definition_files, load_definitions
from casework.workflow.registry import registry

# Version 2 of the hotspot workflow drops `reemerged` (a re-emerged hotspot is simply
# `detected` again) and gives `detected` a deadline.
HOTSPOT_V2 = """\
name: hotspot
version: 2
effective_from: 2026-07-01
title: {vi: "Điểm, tụ điểm ma túy", en: Drug hotspot}
initial: detected
law: {vi: Luật thử 2026, en: Test law 2026}
from_previous: {reemerged: detected}
states:
  detected:
    vi: Mới phát hiện
    en: Detected
    deadline: {working_days: 3, label: {vi: Đưa vào theo dõi, en: Put under surveillance}}
  watched: {vi: "Đang theo dõi, xử lý", en: Under surveillance}
  eliminated: {vi: Đã triệt xóa, en: Eliminated}
events:
  open: {vi: "Ghi nhận điểm, tụ điểm", en: Record a hotspot}
  watch: {vi: Đưa vào theo dõi, en: Put under surveillance}
  eliminate: {vi: Triệt xóa, en: Eliminate, date: eliminated_date}
  reemerge: {vi: Phát hiện hoạt động trở lại, en: Report re-emergence, date: found_date}
transitions:
  - {event: open, source: new, dest: detected, roles: [police, inspector]}
  - {event: watch, source: detected, dest: watched, roles: [police]}
  - {event: eliminate, source: watched, dest: eliminated, roles: [police],
     data: {eliminated_date: date}}
  - {event: reemerge, source: eliminated, dest: detected, roles: [police, inspector],
     data: {found_date: date}}
"""


@pytest.fixture
def with_v2(app, tmp_path, monkeypatch):
    (tmp_path / "hotspot.v2.yaml").write_text(HOTSPOT_V2, encoding="utf-8")
    files = definition_files(resource_dir("workflows")) + [tmp_path / "hotspot.v2.yaml"]
    catalog = load_definitions(files, registry, set(ROLES))
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, catalog)
    return catalog


def test_new_records_open_under_the_version_in_force(with_v2, open_record):
    from tests.workflow.conftest import days_ago

    old = open_record("hotspot", at=days_ago(1000))
    new = open_record("hotspot", unit="G12")
    assert (old.workflow_version, new.workflow_version) == (1, 2)
    assert new.due_date is not None and old.due_date is None


def test_dry_run_lists_what_from_previous_maps(app, with_v2, reach):
    gone, _ = reach("hotspot", "reemerged")
    movable, _ = reach("hotspot", "detected", unit="G12")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflows", "migrate", "hotspot", "--to", "2", "--dry-run"])
    assert result.exit_code == 0, result.output
    # from_previous maps reemerged to detected: the dry run says what it becomes.
    assert f"becomes 'detected' in v2: hotspot #{gone.id}: state 'reemerged' (version 1)" \
        in result.output
    assert "2 open record(s) can move to hotspot v2; 0 are in a state v2 does not have." \
        in result.output
    assert gone.workflow_version == movable.workflow_version == 1


def test_migrate_maps_a_removed_state_by_from_previous(app, db, with_v2, reach):
    gone, _ = reach("hotspot", "reemerged")
    result = app.test_cli_runner().invoke(args=["workflows", "migrate", "hotspot", "--to", "2"])
    assert result.exit_code == 0, result.output
    db.session.refresh(gone)
    assert (gone.workflow_version, gone.state) == (2, "detected")
    last = audit.history_of(gone)[-1]
    assert (last.event, last.from_state, last.to_state) == ("migrate_version", "reemerged",
                                                            "detected")
    assert audit.verify(registry.record_types.values()).ok


def test_migrate_moves_open_records_and_logs_it(app, db, with_v2, reach):
    record, driver = reach("hotspot", "detected", since=300)  # before v2
    version = record.version
    result = app.test_cli_runner().invoke(args=["workflows", "migrate", "hotspot", "--to", "2"])
    assert result.exit_code == 0, result.output
    assert "Migrated 1 record(s)." in result.output
    db.session.refresh(record)
    assert record.workflow_version == 2 and record.version == version + 1
    assert record.due_date is not None  # v2's deadline of `detected`
    last = audit.history_of(record)[-1]
    assert (last.event, last.from_state, last.to_state) == ("migrate_version", "detected",
                                                            "detected")
    assert last.data == {"from_version": 1, "to_version": 2} and last.actor_id is None
    assert audit.verify(registry.record_types.values()).ok
    # The record now follows version 2: `reemerge` leads back to `detected`.
    driver.clock = max(driver.clock, last.effective_at)
    driver.fire(record, "watch", "police", wait=0)
    assert record.state == "watched"


def test_unknown_workflow_or_version(app, with_v2):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflows", "migrate", "hotspot", "--to", "7", "--dry-run"])
    assert result.exit_code == 1 and "unknown workflow 'hotspot' version 7" in result.output
