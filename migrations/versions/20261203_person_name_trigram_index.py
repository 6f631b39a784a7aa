"""Person search by part of a name on PostgreSQL: a trigram GIN index on ``name_folded``
(issue 16). ``LIKE '%…%'`` cannot use the B-tree index; with pg_trgm it can. Nothing on
SQLite.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner, who runs
``casework init``, may create it without being a superuser. On an older server, or where it
is not installed, a superuser runs ``CREATE EXTENSION pg_trgm;`` in the casework database
first (README, "Database roles in production").

Revision ID: 7b3e1f9c2a64
Revises: 4c7e2a9b5d13
Create Date: 2026-12-03 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7b3e1f9c2a64'
down_revision = '4c7e2a9b5d13'
branch_labels = None
depends_on = None

INDEX = "ix_persons_name_folded_trgm"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The extension's objects live in one schema of the database; the operator class is
    # named with it, so that a connection whose search_path does not hold it (a bench's or a
    # test's own schema) finds it too.
    schema = _trgm_schema(bind)
    if schema is None:
        public = bind.execute(sa.text(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm"
                   + (" WITH SCHEMA public" if public else ""))
        schema = _trgm_schema(bind)
    op.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON persons '
               f'USING gin (name_folded "{schema}".gin_trgm_ops)')


def _trgm_schema(bind):
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
