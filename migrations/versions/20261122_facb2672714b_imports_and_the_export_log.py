"""Imports and the export log: uploaded files between dry run and import, drug tests' external
IDs, and one row per export of a list or report.

On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on export_log.

Revision ID: facb2672714b
Revises: b8a1e0775de8
Create Date: 2026-11-22 09:58:53.757504
"""
from alembic import op
import sqlalchemy as sa

# Export entries are never changed or removed, like the entries of the workflow audit log.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION export_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'export_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


revision = 'facb2672714b'
down_revision = 'b8a1e0775de8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("format IN ('csv', 'xlsx', 'html', 'pdf', 'json')", name=op.f('ck_export_log_format')),
    sa.CheckConstraint('row_count >= 0', name=op.f('ck_export_log_row_count')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_export_log_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_export_log_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_log'))
    )
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_log_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('imported_count', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('persons', 'tests')", name=op.f('ck_import_batches_kind')),
    sa.CheckConstraint("status IN ('checked', 'rejected', 'imported')", name=op.f('ck_import_batches_status')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_import_batches_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    with op.batch_alter_table('drug_tests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_drug_tests_external_id'), ['external_id'])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER export_log_no_change BEFORE UPDATE OR DELETE ON export_log "
            "FOR EACH ROW EXECUTE FUNCTION export_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER export_log_no_truncate BEFORE TRUNCATE ON export_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION export_log_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS export_log_no_truncate ON export_log")
        op.execute("DROP TRIGGER IF EXISTS export_log_no_change ON export_log")
        op.execute("DROP FUNCTION IF EXISTS export_log_append_only()")
    with op.batch_alter_table('drug_tests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_drug_tests_external_id'), type_='unique')
        batch_op.drop_column('external_id')

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_uploaded_by_id'))

    op.drop_table('import_batches')
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_log_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_export_log_at'))
        batch_op.drop_index(batch_op.f('ix_export_log_actor_id'))

    op.drop_table('export_log')
