"""Area facts for QĐ 28/2025 (issue 14, WORKFLOWS.md §9 and §10): the resident population, a
key trafficking route, a wanted drug offender hiding in the area (`fugitive`), drug cases, and
the day an offender was arrested.

Revision ID: 9e4b2d7f1a60
Revises: 6a1f0c3d9b25
Create Date: 2026-12-03 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '9e4b2d7f1a60'
down_revision = '6a1f0c3d9b25'
branch_labels = None
depends_on = None

_OLD_INCIDENTS = ("dealer", "use_venue", "offender", "ring", "drug_plants")
_OLD_KINDS = _OLD_INCIDENTS + ("household_tally", "hotline_board", "prevention_model",
                               "awareness_activity")
_NEW_INCIDENTS = _OLD_INCIDENTS + ("fugitive",)
_NEW_KINDS = _NEW_INCIDENTS + _OLD_KINDS[len(_OLD_INCIDENTS):] + (
    "population", "key_route", "drug_case")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _needs(kinds, *columns):
    present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    return f"NOT ({_in('kind', kinds)}) OR ({present})"


_CHECKS = {
    'population': _needs(("population",), "residents", "as_of"),
    'residents': "residents IS NULL OR residents >= 0",
    'key_route': _needs(("key_route",), "route_scope", "decision_no", "started_on"),
    'route_scope': "route_scope IS NULL OR " + _in("route_scope", ("intra", "inter")),
    'drug_case': _needs(("drug_case",), "found_date", "case_kind", "suspects"),
    'case_kind': "case_kind IS NULL OR " + _in(
        "case_kind", ("trafficking", "possession", "organising_use", "harbouring", "other")),
    'suspects': "suspects IS NULL OR suspects >= 0",
    'prosecuted_after_found': "prosecuted_on IS NULL OR prosecuted_on >= found_date",
    'arrested_after_found': ("arrested_on IS NULL OR found_date IS NULL OR "
                             "arrested_on >= found_date"),
}


def upgrade():
    with op.batch_alter_table('area_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('residents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('route_scope', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('case_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('suspects', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prosecuted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('case_no', sa.String(length=60), nullable=True))
        batch_op.drop_constraint(op.f('ck_area_facts_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_area_facts_kind'), _in("kind", _NEW_KINDS))
        batch_op.drop_constraint(op.f('ck_area_facts_incident_dates'), type_='check')
        batch_op.create_check_constraint(op.f('ck_area_facts_incident_dates'),
                                         _needs(_NEW_INCIDENTS, "found_date"))
        for name, check in _CHECKS.items():
            batch_op.create_check_constraint(op.f(f'ck_area_facts_{name}'), check)


def downgrade():
    op.execute("DELETE FROM area_facts WHERE " + _in(
        "kind", ("fugitive", "population", "key_route", "drug_case")))
    with op.batch_alter_table('area_facts', schema=None) as batch_op:
        for name in _CHECKS:
            batch_op.drop_constraint(op.f(f'ck_area_facts_{name}'), type_='check')
        batch_op.drop_constraint(op.f('ck_area_facts_incident_dates'), type_='check')
        batch_op.create_check_constraint(op.f('ck_area_facts_incident_dates'),
                                         _needs(_OLD_INCIDENTS, "found_date"))
        batch_op.drop_constraint(op.f('ck_area_facts_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_area_facts_kind'), _in("kind", _OLD_KINDS))
        for column in ('case_no', 'prosecuted_on', 'suspects', 'case_kind', 'route_scope',
                       'residents', 'arrested_on'):
            batch_op.drop_column(column)
