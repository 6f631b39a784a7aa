"""Roles: `province_authority`, the provincial People's Committee (issue 13, WORKFLOWS.md
roles and §11). Since 2025-07-01 it approves a commune's or ward's drug-free recognition, and
under QĐ 28/2025 Art 7 it approves the communes' yearly classification.

Revision ID: 6a1f0c3d9b25
Revises: 8d2f6a3c1e47
Create Date: 2026-12-03 00:00:00
"""
from alembic import op


revision = '6a1f0c3d9b25'
down_revision = '8d2f6a3c1e47'
branch_labels = None
depends_on = None

_BEFORE = ('admin', 'police', 'health', 'social_affairs', 'commune_chair', 'inspector',
           'steering_committee', 'city_authority', 'viewer')
_AFTER = _BEFORE[:8] + ('province_authority',) + _BEFORE[8:]


def _check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _replace(roles):
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignments_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignments_role'), _check(roles))


def upgrade():
    _replace(_AFTER)


def downgrade():
    op.execute("DELETE FROM role_assignments WHERE role = 'province_authority'")
    _replace(_BEFORE)
