"""a differing view's outcome coded as well as written (issue 20)

Revision ID: 0025_outcome_codes
Revises: 0024_advocate_reports
Create Date: 2026-12-07 23:30:00

Three nullable columns on ``differing_view_details``: ``outcome_code`` (how the view ended:
the person's view followed, a way the person agreed, a best-interests decision against their
stated wish, a supporter's view followed over theirs, unresolved, escalated), the supporter
whose view was followed (``followed_supporter_id``) and the capacity assessment a
best-interests decision rests on (``assessment_id``). Rows resolved before this stay uncoded
(NULL, shown as "not coded"): a code is never guessed from the written outcome. The downgrade
drops the columns (the written outcome, which the codes sit beside, stays).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_outcome_codes"
down_revision = "0024_advocate_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("differing_view_details", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome_code", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("followed_supporter_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_differing_view_details_followed_supporter_id_supporters"),
            "supporters",
            ["followed_supporter_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_differing_view_details_assessment_id_capacity_assessments"),
            "capacity_assessments",
            ["assessment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("differing_view_details", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_differing_view_details_assessment_id_capacity_assessments"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_differing_view_details_followed_supporter_id_supporters"),
            type_="foreignkey",
        )
        batch_op.drop_column("assessment_id")
        batch_op.drop_column("followed_supporter_id")
        batch_op.drop_column("outcome_code")
