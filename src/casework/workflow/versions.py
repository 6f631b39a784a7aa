"""Moving open records to another version of their workflow."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from casework.extensions import db
from casework.workflow.engine import migrate_record


@dataclass(frozen=True)
class RecordRef:
    record_type: str
    record_id: int
    state: str
    workflow_version: int

    def __str__(self) -> str:
        return (f"{self.record_type} #{self.record_id}: state {self.state!r} "
                f"(version {self.workflow_version})")


@dataclass
class MigrationPlan:
    workflow: str
    to_version: int
    movable: list[RecordRef] = field(default_factory=list)
    blocked: list[RecordRef] = field(default_factory=list)  # state missing in the new version

    @property
    def ok(self) -> bool:
        return not self.blocked


def plan_migration(catalog, name: str, to_version: int) -> MigrationPlan:
    """Every open record of workflow ``name`` not yet under ``to_version``."""
    target = catalog.get(name, to_version)
    plan = MigrationPlan(name, to_version)
    for model in catalog.registry.record_types_for(name):
        for version in catalog.versions(name):
            if version == to_version:
                continue
            open_states = catalog.get(name, version).open_states
            rows = db.session.execute(
                sa.select(model.id, model.state)
                .where(model.workflow_version == version, model.state.in_(open_states))
                .order_by(model.id)
            )
            for record_id, state in rows:
                ref = RecordRef(model.__record_type__, record_id, state, version)
                # A state the new version lacks moves only where it maps it (from_previous).
                known = state in target.states or state in target.from_previous
                (plan.movable if known else plan.blocked).append(ref)
    return plan


def apply_migration(catalog, plan: MigrationPlan) -> int:
    """Migrate the plan's records (the caller commits). Refuses a plan with blocked records."""
    if plan.blocked:
        raise ValueError("some records are in states the new version does not have")
    target = catalog.get(plan.workflow, plan.to_version)
    models = {m.__record_type__: m for m in catalog.registry.record_types_for(plan.workflow)}
    for ref in plan.movable:
        record = db.session.get(models[ref.record_type], ref.record_id)
        migrate_record(record, target)
    return len(plan.movable)
