"""Plans with phases, targets and report submissions (issue 6).

Revision ID: fa20e54dcc8c
Revises: facb2672714b
Create Date: 2026-11-22 09:55:44.384906
"""
from alembic import op
import sqlalchemy as sa


revision = 'fa20e54dcc8c'
down_revision = 'facb2672714b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('six_month_report_due', sa.String(length=5), nullable=True),
    sa.Column('annual_report_due', sa.String(length=5), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_plans_period')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_plans_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_plans_code'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('plan_phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('report_due', sa.Date(), nullable=True),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_plan_phases_period')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_phases_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_phases')),
    sa.UniqueConstraint('plan_id', 'seq', name='uq_plan_phases_seq')
    )
    op.create_table('plan_report_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('six_month', 'annual', 'phase')", name=op.f('ck_plan_report_submissions_kind')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_report_submissions_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_plan_report_submissions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_report_submissions')),
    sa.UniqueConstraint('plan_id', 'kind', 'period', name='uq_plan_report_submissions_once')
    )
    op.create_table('plan_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('out_of', sa.Integer(), nullable=True),
    sa.Column('stated', sa.String(length=60), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('counted_from', sa.Date(), nullable=True),
    sa.CheckConstraint("direction IN ('at_least', 'at_most')", name=op.f('ck_plan_targets_direction')),
    sa.CheckConstraint("unit IN ('count', 'percent')", name=op.f('ck_plan_targets_unit')),
    sa.CheckConstraint('deadline IS NOT NULL OR phase_id IS NOT NULL', name=op.f('ck_plan_targets_due')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_plan_targets_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['phase_id'], ['plan_phases.id'], name=op.f('fk_plan_targets_phase_id_plan_phases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_targets_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_targets'))
    )
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_targets_plan_id'), ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_targets_plan_id'))

    op.drop_table('plan_targets')
    op.drop_table('plan_report_submissions')
    op.drop_table('plan_phases')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_org_unit_id'))

    op.drop_table('plans')
