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
from alembic import op

revision = '7b3e1f9c2a64'
down_revision = '4c7e2a9b5d13'
branch_labels = None
depends_on = None

INDEX = "ix_persons_name_folded_trgm"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON persons "
               "USING gin (name_folded gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
