"""Org units over time (issue 13, WORKFLOWS.md §6): a unit's first and last day, its dated
places in the tree (org_unit_links), successions and the units on each side; the kinds
special_zone and district, and a commune, ward or special zone directly under a province.

Every existing unit gets one open link copied from its current place, valid since always.

Revision ID: 8d2f6a3c1e47
Revises: 3b7d41c9e2a6
Create Date: 2026-12-02 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8d2f6a3c1e47'
down_revision = '3b7d41c9e2a6'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('province', 'city', 'ward', 'commune', 'residential_group', 'village')"
NEW_KINDS = ("kind IN ('province', 'city', 'district', 'ward', 'commune', 'special_zone', "
             "'residential_group', 'village')")
VALID_DATES = "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from"
PATH = sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql')


def upgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch_op.drop_constraint(op.f('ck_org_units_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_org_units_kind'), NEW_KINDS)
        batch_op.create_check_constraint(op.f('ck_org_units_valid_dates'), VALID_DATES)

    op.create_table('org_unit_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', PATH, nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.CheckConstraint('depth >= 0', name=op.f('ck_org_unit_links_depth')),
    sa.CheckConstraint(VALID_DATES, name=op.f('ck_org_unit_links_valid_dates')),
    sa.ForeignKeyConstraint(['parent_id'], ['org_units.id'], name=op.f('fk_org_unit_links_parent_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_org_unit_links_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit_links'))
    )
    with op.batch_alter_table('org_unit_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_links_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_unit_links_unit_id'), ['unit_id'], unique=False)

    op.create_table('successions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('merge', 'split', 'rename', 'move')", name=op.f('ck_successions_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_successions_actor_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_successions'))
    )
    with op.batch_alter_table('successions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_successions_on_date'), ['on_date'], unique=False)

    op.create_table('succession_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('succession_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=3), nullable=False),
    sa.CheckConstraint("side IN ('old', 'new')", name=op.f('ck_succession_units_side')),
    sa.ForeignKeyConstraint(['succession_id'], ['successions.id'], name=op.f('fk_succession_units_succession_id_successions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_succession_units_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succession_units')),
    sa.UniqueConstraint('succession_id', 'unit_id', 'side', name=op.f('uq_succession_units_succession_id'))
    )
    with op.batch_alter_table('succession_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_succession_units_succession_id'), ['succession_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_succession_units_unit_id'), ['unit_id'], unique=False)

    # One open link per existing unit: its current place, since always.
    op.execute("INSERT INTO org_unit_links (unit_id, parent_id, path, depth) "
               "SELECT id, parent_id, path, depth FROM org_units")


def downgrade():
    with op.batch_alter_table('succession_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_succession_units_unit_id'))
        batch_op.drop_index(batch_op.f('ix_succession_units_succession_id'))
    op.drop_table('succession_units')
    with op.batch_alter_table('successions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_successions_on_date'))
    op.drop_table('successions')
    with op.batch_alter_table('org_unit_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_unit_links_unit_id'))
        batch_op.drop_index(batch_op.f('ix_org_unit_links_path'))
    op.drop_table('org_unit_links')
    # Refused by the CHECK while a special zone or district exists, or a commune sits under a
    # province: the old tree cannot hold them.
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_org_units_valid_dates'), type_='check')
        batch_op.drop_constraint(op.f('ck_org_units_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_org_units_kind'), OLD_KINDS)
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
