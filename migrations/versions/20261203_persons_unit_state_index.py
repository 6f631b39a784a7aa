"""The persons of a few units in a few states: one index on (org_unit_id, state) (issue 16).

A ward's task counts ask for the persons of its ~16 units in one state. With an index on each
column alone, PostgreSQL combined the two bitmaps: a ward of 21 persons read the state's
index for the whole country (70,000 entries for `managed_user` at 500k persons), so the
ward police's my-work page grew with the country. The single-column index on ``org_unit_id``
stays: a province's thousands of units in six states are read best through it.

Revision ID: 5d2b8e4f7a31
Revises: 3f8a2c6d1b90
Create Date: 2026-12-03 15:30:00
"""
from alembic import op

revision = '5d2b8e4f7a31'
down_revision = '3f8a2c6d1b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_persons_org_unit_state", "persons", ["org_unit_id", "state"])


def downgrade():
    op.drop_index("ix_persons_org_unit_state", table_name="persons")
