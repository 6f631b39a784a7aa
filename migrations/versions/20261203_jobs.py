"""The jobs table (issue 16): what users see of long work run by `casework worker` (or inline
on SQLite): kind, parameters, state, progress, who started it over which unit, the result
file's name (the file itself is in the instance folder) and an error without personal data.

Procrastinate's own tables are not here: `casework init` installs them on PostgreSQL
(casework.jobs.queue.install_schema).

Revision ID: 7b1e4c9d2a80
Revises: 7b3e1f9c2a64
Create Date: 2026-12-03 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7b1e4c9d2a80'
down_revision = '7b3e1f9c2a64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('import', 'report', 'province_review')",
                           name=op.f('ck_jobs_kind')),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                           name=op.f('ck_jobs_state')),
        sa.CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)",
                           name=op.f('ck_jobs_progress')),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'],
                                name=op.f('fk_jobs_org_unit_id_org_units'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'],
                                name=op.f('fk_jobs_started_by_id_users'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index('ix_jobs_started_by_id_created_at',
                              ['started_by_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_started_by_id_created_at')
        batch_op.drop_index(batch_op.f('ix_jobs_org_unit_id'))
    op.drop_table('jobs')
