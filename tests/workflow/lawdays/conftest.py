"""A toy workflow in two versions (permit.v1.yaml, permit.v2.yaml, effective 2022-01-01 and
2026-07-01) on a stand-in record table, with the app's catalog swapped for the test."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    foreign,
    mapped_column,
    relationship,
)

from casework.auth.roles import ROLES
from casework.db import NAMING_CONVENTION
from casework.orgunits.models import OrgUnit
from casework.resources import resource_dir
from casework.workflow import engine
from casework.workflow.catalog import EXTENSION_KEY, definition_files, load_definitions
from casework.workflow.dates import start_of_day
from casework.workflow.records import WorkflowRecordMixin
from casework.workflow.registry import registry

HERE = Path(__file__).parent
TOY_FILES = [HERE / "permit.v1.yaml", HERE / "permit.v2.yaml"]


class ToyBase(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Permit(WorkflowRecordMixin, ToyBase):
    __tablename__ = "test_permits"
    __workflow__ = "permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(sa.Integer)

    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit, primaryjoin=lambda: foreign(cls.org_unit_id) == OrgUnit.id)


def load_with(app, monkeypatch, *texts_or_paths, tmp_path=None):
    """The app's definitions plus the given files (or YAML texts, written to tmp_path)."""
    files = list(definition_files(resource_dir("workflows")))
    for i, item in enumerate(texts_or_paths):
        if isinstance(item, Path):
            files.append(item)
        else:
            path = tmp_path / f"extra{i}.yaml"
            path.write_text(item, encoding="utf-8")
            files.append(path)
    catalog = load_definitions(files, registry, set(ROLES))
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, catalog)
    return catalog


@pytest.fixture
def permits(app, db, monkeypatch):
    """The toy workflow loaded, its table created in the test's transaction."""
    ToyBase.metadata.create_all(db.session.connection())
    registry.record_type(Permit)
    try:
        yield load_with(app, monkeypatch, *TOY_FILES)
    finally:
        registry.unregister_record_type(Permit)


def vn(text: str) -> datetime:
    """An aware moment; a bare date is a date without a time (00:00 in Vietnam)."""
    if len(text) == 10:
        return start_of_day(date.fromisoformat(text))
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def open_permit(db, tree, actor, permits):
    def make(at: str = "2026-06-01", unit: str = "G11"):
        record = Permit(org_unit=tree[unit])
        engine.open_record(record, actor("police"), effective_at=vn(at))
        db.session.flush()
        return record

    return make
