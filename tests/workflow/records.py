"""Test-only workflow records, on their own metadata so the app's schema stays as migrated.

Persons, areas, recognition requests and hotspots get their real tables in issues 4 and 5;
until then the engine is tested on these stand-ins, which carry just what the rules read.
"""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    foreign,
    mapped_column,
    relationship,
)

from casework.db import NAMING_CONVENTION
from casework.orgunits.models import OrgUnit
from casework.people.models import Person
from casework.workflow.records import WorkflowRecordMixin
from casework.workflow.registry import registry


class TestBase(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class _Record(WorkflowRecordMixin):
    id: Mapped[int] = mapped_column(primary_key=True)
    # No ForeignKey: org_units lives on the app's metadata, not on this one.
    org_unit_id: Mapped[int] = mapped_column(sa.Integer)

    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit, primaryjoin=lambda: foreign(cls.org_unit_id) == OrgUnit.id)


class AreaRecord(_Record, TestBase):
    __tablename__ = "test_area_records"
    __workflow__ = "area"


class RecognitionRecord(_Record, TestBase):
    __tablename__ = "test_recognition_records"
    __workflow__ = "recognition"


class HotspotRecord(_Record, TestBase):
    __tablename__ = "test_hotspot_records"
    __workflow__ = "hotspot"


# Persons have their real table (issue 4); the other workflows still use stand-ins.
RECORD_MODELS = {
    "person": Person,
    "area": AreaRecord,
    "recognition": RecognitionRecord,
    "hotspot": HotspotRecord,
}


@contextmanager
def record_tables(connection):
    """Create the stand-in tables in the test's transaction and register the models."""
    TestBase.metadata.create_all(connection)
    # A real model of the same record type (Person, …) steps aside for the test.
    displaced = {}
    stand_ins = [m for m in RECORD_MODELS.values() if issubclass(m, TestBase)]
    for model in stand_ins:
        real = registry.record_types.pop(model.__record_type__, None)
        if real is not None:
            displaced[model.__record_type__] = real
        registry.record_type(model)
    try:
        yield RECORD_MODELS
    finally:
        for model in stand_ins:
            registry.unregister_record_type(model)
        registry.record_types.update(displaced)
