"""governance: agreement answers, differing-view parties, capacity, safety flags,
communications and complaint timings (issue 6)

Revision ID: 0003_governance
Revises: 0002_action_followups
Create Date: 2026-11-26 13:20:00

Checked by hand to run the same on SQLite and PostgreSQL: new tables only, no ALTER of an
existing one, enums stored as VARCHAR without a CHECK (like every enum in 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0003_governance"
down_revision = "0002_action_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('communications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.Enum('review-outcome', 'differing-view', 'best-interests', 'safeguarding', 'complaint', 'other', name='communicationsubject', native_enum=False, length=60), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('recipient_kind', sa.Enum('person', 'supporter', 'other', name='recipientkind', native_enum=False, length=60), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=160), nullable=True),
    sa.Column('told_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('in-person', 'meeting', 'phone', 'video', 'letter', 'email', 'text-message', name='communicationmethod', native_enum=False, length=60), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_communications_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_communications_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_communications_review_id_reviews')),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporters.id'], name=op.f('fk_communications_supporter_id_supporters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communications'))
    )
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communications_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_communications_review_id'), ['review_id'], unique=False)

    op.create_table('agreement_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('agreement_version', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('yes', 'no', 'not-sure', name='consentdecision', native_enum=False, length=60), nullable=False),
    sa.Column('capture_method', sa.Enum('tapped', 'typed', 'scribed', 'interpreted', name='capturemethod', native_enum=False, length=60), nullable=False),
    sa.Column('words', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['involvement_agreements.id'], name=op.f('fk_agreement_answers_agreement_id_involvement_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_agreement_answers_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_answers'))
    )
    with op.batch_alter_table('agreement_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_answers_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('complaint_details',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('family-involvement', 'advocate-involvement', 'person-not-listened-to', 'information-sharing', 'other', name='complainttopic', native_enum=False, length=60), nullable=False),
    sa.Column('response_due_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_details_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_complaint_details_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaint_details'))
    )
    op.create_table('safety_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('review_prompt_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('answer', 'facilitator', name='flagsource', native_enum=False, length=60), nullable=False),
    sa.Column('status', sa.Enum('open', 'cleared', name='flagstatus', native_enum=False, length=60), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_safety_flags_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_safety_flags_raised_by_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_safety_flags_response_id_responses')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_safety_flags_review_id_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_prompt_id'], ['review_prompts.id'], name=op.f('fk_safety_flags_review_prompt_id_review_prompts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_flags')),
    sa.UniqueConstraint('response_id', name=op.f('uq_safety_flags_response_id'))
    )
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_flags_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_flags_review_id'), ['review_id'], unique=False)
        batch_op.create_index('ix_safety_flags_status_raised', ['status', 'raised_at'], unique=False)

    op.create_table('capacity_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('differing_view_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('area', sa.Enum('health-welfare', 'property-finance', name='decisionarea', native_enum=False, length=60), nullable=False),
    sa.Column('doubt_reason', sa.Text(), nullable=False),
    sa.Column('steps_taken', sa.Text(), nullable=False),
    sa.Column('impairment', sa.Text(), nullable=True),
    sa.Column('understand', sa.Boolean(), nullable=False),
    sa.Column('understand_note', sa.Text(), nullable=True),
    sa.Column('retain', sa.Boolean(), nullable=False),
    sa.Column('retain_note', sa.Text(), nullable=True),
    sa.Column('use_or_weigh', sa.Boolean(), nullable=False),
    sa.Column('use_or_weigh_note', sa.Text(), nullable=True),
    sa.Column('communicate', sa.Boolean(), nullable=False),
    sa.Column('communicate_note', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Enum('has-capacity', 'lacks-capacity', name='capacityoutcome', native_enum=False, length=60), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_capacity_assessments_assessor_id_users')),
    sa.ForeignKeyConstraint(['differing_view_id'], ['differing_views.id'], name=op.f('fk_capacity_assessments_differing_view_id_differing_views')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_capacity_assessments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_capacity_assessments_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_assessments'))
    )
    with op.batch_alter_table('capacity_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_assessments_person_id'), ['person_id'], unique=False)

    op.create_table('differing_view_details',
    sa.Column('differing_view_id', sa.Integer(), nullable=False),
    sa.Column('about_wishes', sa.Boolean(), nullable=False),
    sa.Column('decision_maker', sa.String(length=200), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('report_received_on', sa.Date(), nullable=True),
    sa.Column('written_response_on', sa.Date(), nullable=True),
    sa.Column('route_set_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['differing_view_id'], ['differing_views.id'], name=op.f('fk_differing_view_details_differing_view_id_differing_views'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('differing_view_id', name=op.f('pk_differing_view_details'))
    )
    op.create_table('differing_view_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('differing_view_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('person', 'supporter', 'staff', name='partykind', native_enum=False, length=60), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Text(), nullable=True),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['differing_view_id'], ['differing_views.id'], name=op.f('fk_differing_view_parties_differing_view_id_differing_views'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporters.id'], name=op.f('fk_differing_view_parties_supporter_id_supporters')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_differing_view_parties_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_differing_view_parties'))
    )
    with op.batch_alter_table('differing_view_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_differing_view_parties_differing_view_id'), ['differing_view_id'], unique=False)

    op.create_table('safety_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('spoke-with-person', 'safeguarding-referral', 'no-further-action', name='safetyaction', native_enum=False, length=60), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('referral_to', sa.String(length=200), nullable=True),
    sa.Column('referral_reference', sa.String(length=80), nullable=True),
    sa.Column('clears', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('acted_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_safety_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['flag_id'], ['safety_flags.id'], name=op.f('fk_safety_decisions_flag_id_safety_flags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_decisions'))
    )
    with op.batch_alter_table('safety_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_decisions_flag_id'), ['flag_id'], unique=False)

    op.create_table('best_interests_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('past_wishes', sa.Text(), nullable=True),
    sa.Column('present_wishes', sa.Text(), nullable=True),
    sa.Column('beliefs_values', sa.Text(), nullable=True),
    sa.Column('less_restrictive', sa.Text(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('reasoning', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'resolved', 'closed', name='casestatus', native_enum=False, length=60), nullable=False),
    sa.Column('created_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['capacity_assessments.id'], name=op.f('fk_best_interests_records_assessment_id_capacity_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_best_interests_records_decided_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_best_interests_records_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_best_interests_records')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_best_interests_records_assessment_id'))
    )
    with op.batch_alter_table('best_interests_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_best_interests_records_person_id'), ['person_id'], unique=False)

    op.create_table('differing_view_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_differing_view_statements_contribution_id_contributions')),
    sa.ForeignKeyConstraint(['party_id'], ['differing_view_parties.id'], name=op.f('fk_differing_view_statements_party_id_differing_view_parties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_differing_view_statements_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_differing_view_statements'))
    )
    with op.batch_alter_table('differing_view_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_differing_view_statements_party_id'), ['party_id'], unique=False)

    op.create_table('best_interests_consultees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('role', sa.Enum('attorney', 'deputy', 'family', 'friend', 'unpaid-carer', 'advocate', 'imca', 'staff', 'other', name='consulteerole', native_enum=False, length=60), nullable=False),
    sa.Column('view', sa.Text(), nullable=False),
    sa.Column('consulted_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['best_interests_records.id'], name=op.f('fk_best_interests_consultees_record_id_best_interests_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_best_interests_consultees_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporters.id'], name=op.f('fk_best_interests_consultees_supporter_id_supporters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_best_interests_consultees'))
    )
    with op.batch_alter_table('best_interests_consultees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_best_interests_consultees_record_id'), ['record_id'], unique=False)

    op.create_table('best_interests_wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('past', 'present', name='wishtime', native_enum=False, length=60), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['best_interests_records.id'], name=op.f('fk_best_interests_wishes_record_id_best_interests_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_best_interests_wishes_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_best_interests_wishes')),
    sa.UniqueConstraint('record_id', 'response_id', name=op.f('uq_best_interests_wishes_record_id'))
    )


def downgrade() -> None:
    op.drop_table('best_interests_wishes')
    with op.batch_alter_table('best_interests_consultees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_best_interests_consultees_record_id'))

    op.drop_table('best_interests_consultees')
    with op.batch_alter_table('differing_view_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_differing_view_statements_party_id'))

    op.drop_table('differing_view_statements')
    with op.batch_alter_table('best_interests_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_best_interests_records_person_id'))

    op.drop_table('best_interests_records')
    with op.batch_alter_table('safety_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_decisions_flag_id'))

    op.drop_table('safety_decisions')
    with op.batch_alter_table('differing_view_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_differing_view_parties_differing_view_id'))

    op.drop_table('differing_view_parties')
    op.drop_table('differing_view_details')
    with op.batch_alter_table('capacity_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_assessments_person_id'))

    op.drop_table('capacity_assessments')
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_flags_status_raised')
        batch_op.drop_index(batch_op.f('ix_safety_flags_review_id'))
        batch_op.drop_index(batch_op.f('ix_safety_flags_person_id'))

    op.drop_table('safety_flags')
    op.drop_table('complaint_details')
    with op.batch_alter_table('agreement_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_answers_agreement_id'))

    op.drop_table('agreement_answers')
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communications_review_id'))
        batch_op.drop_index(batch_op.f('ix_communications_person_id'))

    op.drop_table('communications')
