"""The annual commune review of QĐ 28/2025 (issue 14, WORKFLOWS.md §9): one per commune and
period, with the result frozen at submission and the province's decision.

Revision ID: 4c7e2a9d5b31
Revises: 9e4b2d7f1a60
Create Date: 2026-12-03 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '4c7e2a9d5b31'
down_revision = '9e4b2d7f1a60'
branch_labels = None
depends_on = None

_CODES = "IN ('drug_free', 'type_1', 'type_2', 'type_3', 'none')"


def upgrade():
    op.create_table('commune_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('period_year', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('computed_classification', sa.String(length=16), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('decision_no', sa.String(length=200), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('approved_classification', sa.String(length=16), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_year BETWEEN 2025 AND 2200',
                       name=op.f('ck_commune_reviews_period_year_range')),
    sa.CheckConstraint('computed_classification IS NULL OR computed_classification ' + _CODES,
                       name=op.f('ck_commune_reviews_computed_classification_code')),
    sa.CheckConstraint('approved_classification IS NULL OR approved_classification ' + _CODES,
                       name=op.f('ck_commune_reviews_approved_classification_code')),
    sa.CheckConstraint('approved_classification IS NULL OR computed_classification IS NULL'
                       ' OR approved_classification = computed_classification'
                       ' OR override_reason IS NOT NULL',
                       name=op.f('ck_commune_reviews_override_has_reason')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commune_reviews_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_commune_reviews_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_reviews')),
    sa.UniqueConstraint('org_unit_id', 'period_year', name=op.f('uq_commune_reviews_org_unit_id'))
    )
    with op.batch_alter_table('commune_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_reviews_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_commune_reviews_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commune_reviews_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('commune_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_reviews_state'))
        batch_op.drop_index(batch_op.f('ix_commune_reviews_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_commune_reviews_due_date'))
    op.drop_table('commune_reviews')
