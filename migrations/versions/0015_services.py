"""services as records, staff in services, safeguarding leads per service, cover (issue 25)

New tables: services, person_services (a person's time in a service; ended_on NULL is the
current one), staff_services (an account belongs to a service), service_leads (safeguarding
leads per service) and cover_grants (one person opened from another service, for a while, with
a reason). New columns: users.all_services (may see every service) and reviews.service_id (the
service the review was held in).

Upgrade changes nothing anyone can see until an administrator narrows it:
- each distinct free-text people.service value (trimmed; values that differ only in case are
  one service) becomes a services row; its kind is guessed from its name ("supported living",
  "home care", "day service" or "day centre", "community"), otherwise care_home;
- people with no service recorded are put in one service named "Service not recorded" (made
  only if there are such people), so that no one disappears from anyone's lists;
- each person gets a current person_services row (started on the day of the upgrade);
- each review gets its person's service;
- every staff, manager and administrator account is assigned to every service, and every
  account marked as a safeguarding lead leads every service.
people.service is kept, in step with the name of the person's current service (the services in
services/scope.py write both), so labels, exports and filters that show it keep working.

Downgrade writes each person's current service name back to people.service and drops the new
tables and columns.

Revision ID: 0015_services
Revises: 0014_person_pacing
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_services"
down_revision = "0014_person_pacing"
branch_labels = None
depends_on = None

NOT_RECORDED = "Service not recorded"
STAFF_ROLES = ("staff", "manager", "admin")

people = sa.table("people", sa.column("id", sa.Integer), sa.column("service", sa.String))
reviews = sa.table("reviews", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer))
users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("is_safeguarding_lead", sa.Boolean),
)


def guess_kind(name: str) -> str:
    """The kind of service a free-text name most likely means; care_home when it says none."""
    words = name.lower()
    if "supported living" in words:
        return "supported_living"
    if "home care" in words or "domiciliary" in words:
        return "home_care"
    if "day service" in words or "day centre" in words or "day center" in words:
        return "day_service"
    if "community" in words:
        return "community_team"
    return "care_home"


def _tables() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("cqc_location_id", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "person_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_services_person_id", "person_services", ["person_id"])
    op.create_index("ix_person_services_service_id", "person_services", ["service_id"])
    op.create_table(
        "staff_services",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "service_id"),
    )
    op.create_index("ix_staff_services_service_id", "staff_services", ["service_id"])
    op.create_table(
        "service_leads",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "user_id"),
    )
    op.create_index("ix_service_leads_user_id", "service_leads", ["user_id"])
    op.create_table(
        "cover_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cover_grants_user_id", "cover_grants", ["user_id"])
    op.create_index("ix_cover_grants_person_id", "cover_grants", ["person_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("all_services", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_reviews_service_id", ["service_id"])
        batch_op.create_foreign_key("fk_reviews_service_id", "services", ["service_id"], ["id"])


def _fill(connection: Any) -> None:
    services = sa.table(
        "services",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    person_services = sa.table(
        "person_services",
        sa.column("person_id", sa.Integer),
        sa.column("service_id", sa.Integer),
        sa.column("started_on", sa.Date),
    )
    staff_services = sa.table(
        "staff_services", sa.column("user_id", sa.Integer), sa.column("service_id", sa.Integer)
    )
    service_leads = sa.table(
        "service_leads", sa.column("service_id", sa.Integer), sa.column("user_id", sa.Integer)
    )
    reviews_with = sa.table(
        "reviews",
        sa.column("id", sa.Integer),
        sa.column("person_id", sa.Integer),
        sa.column("service_id", sa.Integer),
    )
    now = datetime.now(UTC)
    today = date.today()
    by_key: dict[str, int] = {}  # the name folded to lower case -> service id
    person_service: dict[int, int] = {}
    rows = list(connection.execute(sa.select(people.c.id, people.c.service).order_by(people.c.id)))
    for person_id, text in rows:
        name = " ".join((text or "").split()) or NOT_RECORDED
        key = name.lower()
        if key not in by_key:
            by_key[key] = connection.execute(
                services.insert()
                .values(name=name[:160], kind=guess_kind(name), active=True, created_at=now)
                .returning(services.c.id)
            ).scalar_one()
        person_service[person_id] = by_key[key]
        connection.execute(
            people.update().where(people.c.id == person_id).values(service=name[:160])
        )
    if person_service:
        connection.execute(
            person_services.insert(),
            [
                {"person_id": pid, "service_id": sid, "started_on": today}
                for pid, sid in person_service.items()
            ],
        )
    for review_id, person_id in list(
        connection.execute(sa.select(reviews_with.c.id, reviews_with.c.person_id))
    ):
        if person_id in person_service:
            connection.execute(
                reviews_with.update()
                .where(reviews_with.c.id == review_id)
                .values(service_id=person_service[person_id])
            )
    service_ids = sorted(by_key.values())
    accounts = list(
        connection.execute(
            sa.select(users.c.id, users.c.is_safeguarding_lead).where(users.c.role.in_(STAFF_ROLES))
        )
    )
    if service_ids and accounts:
        connection.execute(
            staff_services.insert(),
            [{"user_id": uid, "service_id": sid} for uid, _ in accounts for sid in service_ids],
        )
        leads = [uid for uid, lead in accounts if lead]
        if leads:
            connection.execute(
                service_leads.insert(),
                [{"service_id": sid, "user_id": uid} for uid in leads for sid in service_ids],
            )


def upgrade() -> None:
    _tables()
    _fill(op.get_bind())


def downgrade() -> None:
    connection = op.get_bind()
    current = connection.execute(
        sa.text(
            "SELECT ps.person_id, s.name FROM person_services ps "
            "JOIN services s ON s.id = ps.service_id WHERE ps.ended_on IS NULL"
        )
    )
    for person_id, name in list(current):
        connection.execute(
            people.update()
            .where(people.c.id == person_id)
            .values(service=None if name == NOT_RECORDED else name)
        )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reviews_service_id", type_="foreignkey")
        batch_op.drop_index("ix_reviews_service_id")
        batch_op.drop_column("service_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("all_services")
    op.drop_index("ix_cover_grants_person_id", table_name="cover_grants")
    op.drop_index("ix_cover_grants_user_id", table_name="cover_grants")
    op.drop_table("cover_grants")
    op.drop_index("ix_service_leads_user_id", table_name="service_leads")
    op.drop_table("service_leads")
    op.drop_index("ix_staff_services_service_id", table_name="staff_services")
    op.drop_table("staff_services")
    op.drop_index("ix_person_services_service_id", table_name="person_services")
    op.drop_index("ix_person_services_person_id", table_name="person_services")
    op.drop_table("person_services")
    op.drop_table("services")
