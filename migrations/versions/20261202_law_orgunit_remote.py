"""Org units: the `remote` flag of a commune or ward (issue 11, WORKFLOWS.md §8).

A commune in a remote or mountainous area has 10 working days instead of 3 to verify a drug
user's residence (Decree 105/2021 Art 41.1), so its `positive` deadline is 16 working days
instead of 9. Every existing unit starts unflagged.

Revision ID: 3b7d41c9e2a6
Revises: 5e55a10c0d3e
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3b7d41c9e2a6'
down_revision = '5e55a10c0d3e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('remote')
