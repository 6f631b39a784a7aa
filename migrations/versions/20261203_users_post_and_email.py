"""Users get a post (their official title, e.g. "Trưởng Công an phường", shown in histories
and documents) and an optional e-mail address (for the reminders' digest).

Revision ID: 5b8e1d4f7a20
Revises: 7b1e4c9d2a80
Create Date: 2026-12-03 04:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '5b8e1d4f7a20'
down_revision = '7b1e4c9d2a80'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('post')
