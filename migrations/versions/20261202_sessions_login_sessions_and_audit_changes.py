"""Signed-in sessions kept on the server (login_sessions), replacing users.session_nonce;
failed sign-ins under unknown usernames (login_failures); audit entries for changes to
records without a workflow (plans): workflow, workflow_version and to_state may be NULL.

Revision ID: 5e55a10c0d3e
Revises: 5d0c1e7a9b42
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5e55a10c0d3e'
down_revision = '5d0c1e7a9b42'
branch_labels = None
depends_on = None


# A workflow event names its workflow, version and new state; a change has none of them.
WORKFLOW_OR_CHANGE = (
    "(workflow IS NOT NULL AND workflow_version IS NOT NULL AND to_state IS NOT NULL)"
    " OR (workflow IS NULL AND workflow_version IS NULL AND from_state IS NULL"
    " AND to_state IS NULL)")


def upgrade():
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_sessions_key_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_hash', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    sa.UniqueConstraint('name_hash', name=op.f('uq_login_failures_name_hash'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_last_failed_at'), ['last_failed_at'], unique=False)

    # Sessions signed in before this upgrade carried the nonce: they end, users sign in again.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')


    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('workflow', existing_type=sa.String(length=40), nullable=True)
        batch_op.alter_column('workflow_version', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('to_state', existing_type=sa.String(length=40), nullable=True)
        batch_op.create_check_constraint(op.f('ck_audit_entries_workflow_or_change'),
                                         WORKFLOW_OR_CHANGE)



def downgrade():
    # Refused while changes are logged: they cannot be made workflow events.
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entries_workflow_or_change'), type_='check')
        batch_op.alter_column('to_state', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('workflow_version', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('workflow', existing_type=sa.String(length=40), nullable=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=16), nullable=False,
                                      server_default='0000000000000000'))

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_last_failed_at'))

    op.drop_table('login_failures')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
