"""A national ID belongs to one person: at most one open record holds it (issue 10/11).

A partial unique index on persons.national_id over the records that are not closed, the last
line of the duplicate_person rule under concurrency (WORKFLOWS.md §8).

Revision ID: 5d0c1e7a9b42
Revises: fa20e54dcc8c
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5d0c1e7a9b42'
down_revision = 'fa20e54dcc8c'
branch_labels = None
depends_on = None

# Frozen here as at this revision: the closed states of workflows/person.yaml.
OPEN_WITH_NATIONAL_ID = ("national_id IS NOT NULL AND NOT (state IN "
                         "('cleared', 'reintegrated', 'management_ended', 'exited'))")


def upgrade():
    # Refuse clearly, rather than with the database's own error, when open records already
    # share a national ID: someone must close or correct them first. Only record numbers are
    # printed, never a name or the ID itself.
    clashes = op.get_bind().execute(sa.text(
        "SELECT national_id, min(id), count(*) FROM persons WHERE " + OPEN_WITH_NATIONAL_ID
        + " GROUP BY national_id HAVING count(*) > 1")).all()
    if clashes:
        listed = "; ".join(
            f"{n} open records, the first no. {first}" for _id, first, n in clashes[:20])
        raise RuntimeError(
            f"{len(clashes)} national IDs are held by more than one open person record "
            f"({listed}). Close or correct the duplicates, then run the upgrade again.")
    # CREATE INDEX needs no table rebuild on SQLite: no batch mode.
    op.create_index('uq_persons_open_national_id', 'persons', ['national_id'], unique=True,
                    sqlite_where=sa.text(OPEN_WITH_NATIONAL_ID),
                    postgresql_where=sa.text(OPEN_WITH_NATIONAL_ID))


def downgrade():
    op.drop_index('uq_persons_open_national_id', table_name='persons')
