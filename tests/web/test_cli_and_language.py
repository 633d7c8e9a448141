"""Commands (init-db, demo, users create, audit verify) and the language chosen per account."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import User

from ..conftest import csrf_from, sign_in


def test_init_db_demo_and_audit_verify(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "up to date" in runner.invoke(args=["init-db"]).output
    first = runner.invoke(args=["demo"])
    assert "Demo data loaded." in first.output and "staff@demo.facilitator.test" in first.output
    assert "already loaded" in runner.invoke(args=["demo"]).output  # loaded once
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "intact" in verify.output


def test_init_db_counts_reviews_not_yet_counted(app: Flask) -> None:
    """After an upgrade, reviews from before the figures were kept are counted at once."""
    from sqlalchemy import delete, func

    from facilitator.models import ReviewFigures
    from facilitator.services.reporting import figures

    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo"]).output
    with app.app_context():
        from facilitator.models import Review
        from facilitator.models.enums import NonParticipationReason
        from facilitator.services.reviews import person_first

        keyworker = select(User).where(User.email == "keyworker@demo.facilitator.test")
        staff = db.session.scalar(keyworker)
        for review in db.session.scalars(select(Review)):
            if not person_first.person_views_done(db.session, review):
                person_first.record_non_participation(
                    db.session,
                    review,
                    actor=staff,
                    reason=NonParticipationReason.DECLINED,
                    what_was_tried="Offered another day.",
                    try_again_on=None,
                )
        db.session.commit()
        db.session.execute(delete(ReviewFigures))  # as a database from before they were kept
        db.session.commit()
        eligible = db.session.scalar(
            select(func.count()).select_from(figures.eligible_reviews().subquery())
        )
    assert eligible
    assert "up to date" in runner.invoke(args=["init-db"]).output
    with app.app_context():
        counted = db.session.scalar(
            select(func.count(ReviewFigures.review_id)).where(
                ReviewFigures.computed_at.is_not(None)
            )
        )
    assert counted == eligible


def test_users_create(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.org",
            "--name",
            "New Person",
            "--role",
            "manager",
        ],
        input="a-long-password-9\na-long-password-9\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        assert user is not None and user.role == "manager"
    short = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "staff"],
        input="short\nshort\n",
    )
    assert short.exit_code != 0 and "at least 12" in short.output


def test_language_per_account(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/account/language").get_data(as_text=True)
    response = client.post(
        "/account/language", data={"csrf_token": csrf_from(page), "language": "cy"}
    )
    assert response.status_code == 302
    assert 'lang="cy"' in client.get("/staff/").get_data(as_text=True)
    assert (
        client.post(
            "/account/language", data={"csrf_token": csrf_from(page), "language": "xx"}
        ).status_code
        == 400
    )


def test_person_mode_uses_the_persons_language(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get(f"/staff/reviews/{demo['reviews']['Gwen']}").get_data(as_text=True)
    client.post(f"/person/start/{demo['reviews']['Gwen']}", data={"csrf_token": csrf_from(page)})
    welcome = client.get("/person/").get_data(as_text=True)
    assert 'lang="cy"' in welcome
    assert "Helo. Dyma eich adolygiad." in welcome
