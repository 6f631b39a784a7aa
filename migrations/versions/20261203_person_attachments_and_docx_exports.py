"""Person attachments (the papers of a person's file, issue 17) and `docx` in the export log
(each official document downloaded is logged like an export).

Revision ID: 7d3c5a1e9f20
Revises: 490a5c047249
Create Date: 2026-12-03 04:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '7d3c5a1e9f20'
down_revision = '490a5c047249'
branch_labels = None
depends_on = None

_OLD_FORMATS = "format IN ('csv', 'xlsx', 'html', 'pdf', 'json')"
_NEW_FORMATS = "format IN ('csv', 'xlsx', 'html', 'pdf', 'json', 'docx')"


def _formats(condition):
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_export_log_format'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_export_log_format'), condition)


def upgrade():
    op.create_table(
        'person_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_person_attachments_size_positive')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_person_attachments_person_id_persons'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_person_attachments_uploaded_by_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_attachments')),
        sa.UniqueConstraint('person_id', 'sha256',
                            name=op.f('uq_person_attachments_person_id')),
    )
    with op.batch_alter_table('person_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_attachments_person_id'), ['person_id'],
                              unique=False)
    _formats(_NEW_FORMATS)


def downgrade():
    op.execute("DELETE FROM export_log WHERE format = 'docx'")
    _formats(_OLD_FORMATS)
    with op.batch_alter_table('person_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_attachments_person_id'))
    op.drop_table('person_attachments')
