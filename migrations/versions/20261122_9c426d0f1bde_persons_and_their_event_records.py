"""Persons and the records their events create (tests, assessments, decisions, terms).

Revision ID: 9c426d0f1bde
Revises: a6437858ec05
Create Date: 2026-11-22 09:33:09.813188
"""
from alembic import op
import sqlalchemy as sa


revision = '9c426d0f1bde'
down_revision = 'a6437858ec05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('name_folded', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('national_id', sa.String(length=12), nullable=True),
    sa.Column('residence_type', sa.String(length=10), nullable=True),
    sa.Column('resident_since', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gender IN ('male', 'female', 'other')", name=op.f('ck_persons_gender')),
    sa.CheckConstraint("residence_type IS NULL OR residence_type IN ('permanent', 'temporary')", name=op.f('ck_persons_residence_type')),
    sa.CheckConstraint('national_id IS NULL OR length(national_id) = 12', name=op.f('ck_persons_national_id')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_persons_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('external_id', name=op.f('uq_persons_external_id'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_due_date'), ['due_date'], unique=False)
        batch_op.create_index('ix_persons_folded_birth', ['name_folded', 'birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_national_id'), ['national_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_state'), ['state'], unique=False)

    op.create_table('assessments',
    sa.Column('assessment_date', sa.Date(), nullable=False),
    sa.Column('facility', sa.String(length=200), nullable=False),
    sa.Column('doctor', sa.String(length=200), nullable=False),
    sa.Column('criteria_met', sa.Integer(), nullable=False),
    sa.Column('addicted', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('addicted = (criteria_met >= 3)', name=op.f('ck_assessments_addicted_consistent')),
    sa.CheckConstraint('criteria_met BETWEEN 0 AND 6', name=op.f('ck_assessments_criteria_met')),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_assessments_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_assessments_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_assessments_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_person_id'), ['person_id'], unique=False)

    op.create_table('court_decisions',
    sa.Column('court', sa.String(length=200), nullable=False),
    sa.Column('decision_no', sa.String(length=60), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('ordered', sa.Boolean(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_court_decisions_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_court_decisions_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_court_decisions_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_decisions'))
    )
    with op.batch_alter_table('court_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_decisions_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_court_decisions_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_court_decisions_person_id'), ['person_id'], unique=False)

    op.create_table('drug_tests',
    sa.Column('test_date', sa.Date(), nullable=False),
    sa.Column('sample', sa.String(length=10), nullable=False),
    sa.Column('substances', sa.JSON(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('facility', sa.String(length=200), nullable=False),
    sa.Column('guardian_consent', sa.Boolean(), nullable=True),
    sa.Column('non_opioid_positive', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("result IN ('positive', 'negative')", name=op.f('ck_drug_tests_result')),
    sa.CheckConstraint("sample IN ('urine', 'blood', 'hair', 'saliva')", name=op.f('ck_drug_tests_sample')),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_drug_tests_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_drug_tests_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_drug_tests_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_tests'))
    )
    with op.batch_alter_table('drug_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drug_tests_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_tests_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_tests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drug_tests_test_date'), ['test_date'], unique=False)

    op.create_table('management_decisions',
    sa.Column('decision_no', sa.String(length=60), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_management_decisions_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_management_decisions_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_management_decisions_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_management_decisions'))
    )
    with op.batch_alter_table('management_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_management_decisions_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_decisions_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_decisions_person_id'), ['person_id'], unique=False)

    op.create_table('post_rehab_terms',
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('certificate_no', sa.String(length=60), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_post_rehab_terms_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_post_rehab_terms_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_post_rehab_terms_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_rehab_terms'))
    )
    with op.batch_alter_table('post_rehab_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_rehab_terms_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_rehab_terms_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_rehab_terms_person_id'), ['person_id'], unique=False)

    op.create_table('rehab_episodes',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('decision_no', sa.String(length=60), nullable=True),
    sa.Column('facility', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_months', sa.Integer(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('certificate_no', sa.String(length=60), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('community', 'facility', 'methadone', 'compulsory')", name=op.f('ck_rehab_episodes_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('completed', 'abandoned', 'terminated', 'released')", name=op.f('ck_rehab_episodes_outcome')),
    sa.CheckConstraint('(end_date IS NULL) = (outcome IS NULL)', name=op.f('ck_rehab_episodes_ended')),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_rehab_episodes_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_rehab_episodes_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_rehab_episodes_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rehab_episodes'))
    )
    with op.batch_alter_table('rehab_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rehab_episodes_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rehab_episodes_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rehab_episodes_person_id'), ['person_id'], unique=False)

    op.create_table('residence_checks',
    sa.Column('check_date', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('audit_entry_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_entry_id'], ['audit_entries.id'], name=op.f('fk_residence_checks_audit_entry_id_audit_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_residence_checks_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_residence_checks_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_checks'))
    )
    with op.batch_alter_table('residence_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_checks_audit_entry_id'), ['audit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_checks_check_date'), ['check_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_checks_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_checks_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('residence_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_checks_person_id'))
        batch_op.drop_index(batch_op.f('ix_residence_checks_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_residence_checks_check_date'))
        batch_op.drop_index(batch_op.f('ix_residence_checks_audit_entry_id'))

    op.drop_table('residence_checks')
    with op.batch_alter_table('rehab_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rehab_episodes_person_id'))
        batch_op.drop_index(batch_op.f('ix_rehab_episodes_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_rehab_episodes_audit_entry_id'))

    op.drop_table('rehab_episodes')
    with op.batch_alter_table('post_rehab_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_rehab_terms_person_id'))
        batch_op.drop_index(batch_op.f('ix_post_rehab_terms_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_post_rehab_terms_audit_entry_id'))

    op.drop_table('post_rehab_terms')
    with op.batch_alter_table('management_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_management_decisions_person_id'))
        batch_op.drop_index(batch_op.f('ix_management_decisions_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_management_decisions_audit_entry_id'))

    op.drop_table('management_decisions')
    with op.batch_alter_table('drug_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drug_tests_test_date'))
        batch_op.drop_index(batch_op.f('ix_drug_tests_person_id'))
        batch_op.drop_index(batch_op.f('ix_drug_tests_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_drug_tests_audit_entry_id'))

    op.drop_table('drug_tests')
    with op.batch_alter_table('court_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_decisions_person_id'))
        batch_op.drop_index(batch_op.f('ix_court_decisions_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_court_decisions_audit_entry_id'))

    op.drop_table('court_decisions')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_person_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_audit_entry_id'))

    op.drop_table('assessments')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_state'))
        batch_op.drop_index(batch_op.f('ix_persons_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_persons_national_id'))
        batch_op.drop_index('ix_persons_folded_birth')
        batch_op.drop_index(batch_op.f('ix_persons_due_date'))

    op.drop_table('persons')
