"""The audit log read by territory, record type and state (issue 16): an index on
(org_unit_id, record_type, to_state).

A province's figures read the entries naming its units. With the unit alone indexed, reading
its areas' log, or the moves into one state (the compulsory-rehab dossiers opened), went
through every person entry of the province, or the whole table (400 ms at 500k persons);
with the record type and state beside the unit it reads only the rows it counts.

Revision ID: 3f8a2c6d1b90
Revises: 7d3c5a1e9f20
Create Date: 2026-12-03 07:40:00
"""
from alembic import op

revision = '3f8a2c6d1b90'
down_revision = '7d3c5a1e9f20'
branch_labels = None
depends_on = None

INDEX = "ix_audit_entries_unit_type_state"


def upgrade():
    op.create_index(INDEX, "audit_entries", ["org_unit_id", "record_type", "to_state"])


def downgrade():
    op.drop_index(INDEX, table_name="audit_entries")
