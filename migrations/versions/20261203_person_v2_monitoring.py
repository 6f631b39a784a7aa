"""Person workflow version 2 (Law 120/2025, WORKFLOWS.md §7): the moment a deadline falls due
(`due_at`, for deadlines in hours) on every workflow record, the least term of a rehab episode
fixed when it starts, and electronic monitoring orders.

Revision ID: 4c7e2a9b5d13
Revises: 4c7e2a9d5b31
Create Date: 2026-12-03 00:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '4c7e2a9b5d13'
down_revision = '4c7e2a9d5b31'
branch_labels = None
depends_on = None

_RECORD_TABLES = ("persons", "areas", "hotspots", "recognition_requests", "commune_reviews")


def upgrade():
    for table in _RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_due_at'), ['due_at'], unique=False)
    with op.batch_alter_table('rehab_episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_months', sa.Integer(), nullable=True))
    # Every voluntary episode so far began under Law 73/2021 (Art 30.2, 31.1): 6 months at least.
    op.execute("UPDATE rehab_episodes SET min_months = 6 "
               "WHERE kind IN ('community', 'facility')")
    op.create_table(
        'monitoring_orders',
        sa.Column('decision_no', sa.String(length=60), nullable=False),
        sa.Column('decision_date', sa.Date(), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('guardian_consent', sa.Boolean(), nullable=True),
        sa.Column('device_id', sa.String(length=60), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('end_reason', sa.String(length=12), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('audit_entry_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('ended', 'state_left')",
                           name=op.f('ck_monitoring_orders_end_reason')),
        sa.CheckConstraint('(ended_on IS NULL) = (end_reason IS NULL)',
                           name=op.f('ck_monitoring_orders_ended')),
        sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'],
                                name=op.f('fk_monitoring_orders_audit_entry_id_audit_entries'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'],
                                name=op.f('fk_monitoring_orders_org_unit_id_org_units'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_monitoring_orders_person_id_persons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_orders')),
    )
    with op.batch_alter_table('monitoring_orders', schema=None) as batch_op:
        for column in ('audit_entry_id', 'org_unit_id', 'person_id', 'end_date'):
            batch_op.create_index(batch_op.f(f'ix_monitoring_orders_{column}'), [column],
                                  unique=False)


def downgrade():
    op.drop_table('monitoring_orders')
    with op.batch_alter_table('rehab_episodes', schema=None) as batch_op:
        batch_op.drop_column('min_months')
    for table in reversed(_RECORD_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_due_at'))
            batch_op.drop_column('due_at')
