"""records people keep up to date: accounts, supporters, legal authorities (issue 17)

- users.must_change_password: an administrator reset the password; the account chooses a new
  one at its next sign-in. users.last_signed_in_at: shown to administrators.
- supporters: relationship_note (the words for "other"), ended_on and ended_reason (their
  involvement ended; their contributions stay), version (edits never overwrite unseen).
  A relationship typed before this revision that matches one of the product's list (case and
  spaces aside) becomes that value; any other becomes "other" with the typed words as its
  note, so the tablet never reads English words to someone in Welsh.
- legal_authorities: ended_on, ended_reason, version.

Downgrade drops the columns; an "other" relationship gets its note back as the typed words.

Revision ID: 0020_account_records
Revises: 0019_published_pages
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_account_records"
down_revision = "0019_published_pages"
branch_labels = None
depends_on = None

# The list in facilitator/models/people.py (Relationship), as it stood at this revision.
RELATIONSHIPS = (
    "mother father parent daughter son child sister brother wife husband partner grandmother "
    "grandfather grandchild aunt uncle niece nephew cousin friend neighbour carer advocate "
    "attorney deputy other"
).split()
# Values the supporter form stored when no relationship was typed (the supporter's role).
FROM_ROLE = {
    "family": "other",
    "unpaid-carer": "carer",
    "care-act-advocate": "advocate",
    "imca": "advocate",
    "imha": "advocate",
}

supporters = sa.table(
    "supporters",
    sa.column("id", sa.Integer),
    sa.column("relationship_to_person", sa.String),
    sa.column("relationship_note", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("supporters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relationship_note", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    with op.batch_alter_table("legal_authorities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    connection = op.get_bind()
    rows = list(connection.execute(sa.select(supporters.c.id, supporters.c.relationship_to_person)))
    for supporter_id, typed in rows:
        words = " ".join((typed or "").split())
        key = words.lower()
        if key in RELATIONSHIPS:
            values = {"relationship_to_person": key, "relationship_note": None}
        elif key in FROM_ROLE:
            values = {"relationship_to_person": FROM_ROLE[key], "relationship_note": None}
        else:
            values = {"relationship_to_person": "other", "relationship_note": words[:160] or None}
        connection.execute(
            supporters.update().where(supporters.c.id == supporter_id).values(**values)
        )


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        supporters.update()
        .where(
            supporters.c.relationship_to_person == "other",
            supporters.c.relationship_note.is_not(None),
        )
        .values(relationship_to_person=sa.func.substr(supporters.c.relationship_note, 1, 80))
    )
    with op.batch_alter_table("legal_authorities", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("ended_reason")
        batch_op.drop_column("ended_on")
    with op.batch_alter_table("supporters", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("ended_reason")
        batch_op.drop_column("ended_on")
        batch_op.drop_column("relationship_note")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_signed_in_at")
        batch_op.drop_column("must_change_password")
