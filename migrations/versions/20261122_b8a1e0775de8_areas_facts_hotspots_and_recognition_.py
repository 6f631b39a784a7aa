"""Areas, their facts and hotspots, and recognition requests with their attachments.

Revision ID: b8a1e0775de8
Revises: 9c426d0f1bde
Create Date: 2026-11-22 09:40:49.235338
"""
from alembic import op
import sqlalchemy as sa


revision = 'b8a1e0775de8'
down_revision = '9c426d0f1bde'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('found_date', sa.Date(), nullable=True),
    sa.Column('resolved_date', sa.Date(), nullable=True),
    sa.Column('resident_since', sa.Date(), nullable=True),
    sa.Column('plant_count', sa.Integer(), nullable=True),
    sa.Column('plant_area_m2', sa.Float(), nullable=True),
    sa.Column('households_total', sa.Integer(), nullable=True),
    sa.Column('households_signed', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('decision_no', sa.String(length=60), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('activity_type', sa.String(length=10), nullable=True),
    sa.Column('activity_date', sa.Date(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("NOT (kind IN ('awareness_activity')) OR (activity_type IS NOT NULL AND activity_date IS NOT NULL)", name=op.f('ck_area_facts_activity')),
    sa.CheckConstraint("NOT (kind IN ('dealer', 'use_venue', 'offender', 'ring', 'drug_plants')) OR (found_date IS NOT NULL)", name=op.f('ck_area_facts_incident_dates')),
    sa.CheckConstraint("NOT (kind IN ('hotline_board')) OR (present IS NOT NULL AND verified_on IS NOT NULL)", name=op.f('ck_area_facts_board')),
    sa.CheckConstraint("NOT (kind IN ('household_tally')) OR (households_total IS NOT NULL AND households_signed IS NOT NULL AND as_of IS NOT NULL)", name=op.f('ck_area_facts_tally')),
    sa.CheckConstraint("NOT (kind IN ('offender')) OR (resident_since IS NOT NULL)", name=op.f('ck_area_facts_offender')),
    sa.CheckConstraint("NOT (kind IN ('prevention_model')) OR (name IS NOT NULL AND started_on IS NOT NULL)", name=op.f('ck_area_facts_model')),
    sa.CheckConstraint("activity_type IS NULL OR activity_type IN ('session', 'broadcast')", name=op.f('ck_area_facts_activity_type')),
    sa.CheckConstraint("kind IN ('dealer', 'use_venue', 'offender', 'ring', 'drug_plants', 'household_tally', 'hotline_board', 'prevention_model', 'awareness_activity')", name=op.f('ck_area_facts_kind')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_area_facts_ended_after_started')),
    sa.CheckConstraint('households_signed IS NULL OR households_total IS NULL OR (households_signed >= 0 AND households_signed <= households_total)', name=op.f('ck_area_facts_tally_counts')),
    sa.CheckConstraint('resolved_date IS NULL OR resolved_date >= found_date', name=op.f('ck_area_facts_resolved_after_found')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_area_facts_closed_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_area_facts_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_area_facts_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_facts'))
    )
    with op.batch_alter_table('area_facts', schema=None) as batch_op:
        batch_op.create_index('ix_area_facts_kind_unit', ['kind', 'org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_facts_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_areas_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('org_unit_id', name=op.f('uq_areas_org_unit_id'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_state'), ['state'], unique=False)

    op.create_table('hotspots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('found_date', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_hotspots_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_hotspots_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspots'))
    )
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspots_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotspots_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotspots_state'), ['state'], unique=False)

    op.create_table('recognition_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('self_assessment', sa.JSON(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('verdicts', sa.JSON(), nullable=True),
    sa.Column('inspection_date', sa.Date(), nullable=True),
    sa.Column('minutes_no', sa.String(length=200), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('decision_no', sa.String(length=200), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_recognition_requests_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_recognition_requests_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_recognition_requests_org_unit_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recognition_requests'))
    )
    with op.batch_alter_table('recognition_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognition_requests_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_requests_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_requests_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_requests_state'), ['state'], unique=False)
        batch_op.create_index('uq_recognition_requests_open_area', ['area_id'], unique=True, sqlite_where=sa.text("state IN ('draft', 'submitted', 'evaluated', 'endorsed')"), postgresql_where=sa.text("state IN ('draft', 'submitted', 'evaluated', 'endorsed')"))

    op.create_table('recognition_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_recognition_attachments_size_positive')),
    sa.ForeignKeyConstraint(['request_id'], ['recognition_requests.id'], name=op.f('fk_recognition_attachments_request_id_recognition_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_recognition_attachments_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recognition_attachments')),
    sa.UniqueConstraint('request_id', 'sha256', name=op.f('uq_recognition_attachments_request_id'))
    )
    with op.batch_alter_table('recognition_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognition_attachments_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('recognition_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognition_attachments_request_id'))

    op.drop_table('recognition_attachments')
    with op.batch_alter_table('recognition_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_recognition_requests_open_area', sqlite_where=sa.text("state IN ('draft', 'submitted', 'evaluated', 'endorsed')"), postgresql_where=sa.text("state IN ('draft', 'submitted', 'evaluated', 'endorsed')"))
        batch_op.drop_index(batch_op.f('ix_recognition_requests_state'))
        batch_op.drop_index(batch_op.f('ix_recognition_requests_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_recognition_requests_due_date'))
        batch_op.drop_index(batch_op.f('ix_recognition_requests_area_id'))

    op.drop_table('recognition_requests')
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotspots_state'))
        batch_op.drop_index(batch_op.f('ix_hotspots_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_hotspots_due_date'))

    op.drop_table('hotspots')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_state'))
        batch_op.drop_index(batch_op.f('ix_areas_due_date'))

    op.drop_table('areas')
    with op.batch_alter_table('area_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_facts_org_unit_id'))
        batch_op.drop_index('ix_area_facts_kind_unit')

    op.drop_table('area_facts')
