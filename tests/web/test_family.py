"""Family by link: opening, confirming, reading what was shared, drafts, sending, and every way a
link can fail without telling anyone anything about the person. Also the staff side of links."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    ConsentDecision,
    Contribution,
    ContributionStatus,
    FamilySession,
    InvitationLink,
    Layer,
    Response,
    Review,
    ReviewStatus,
    Supporter,
    User,
    utcnow,
)
from facilitator.services.family import links
from facilitator.services.reviews import consent, contributions

from ..conftest import csrf_from, sign_in

STAFF = "staff@demo.facilitator.test"
# Words only the person's own answers (or other layers) contain, to look for on family pages.
SAM_WORDS = "I like my garden and the cat"
SAFEGUARDING_WORDS = "Sometimes the night staff shout"
PERSONAL = ("Sam", "Samuel", "Carter")


@dataclass
class Issued:
    token: str
    code: str
    link_id: int
    review_id: int
    supporter_id: int


def _person_done(review: Review) -> None:
    """Sam answered on the tablet (tapped and typed) and confirmed."""
    answers = {
        "like-where-you-live": (["very-good"], None, CaptureMethod.TAPPED),
        "who-is-important": (["family", "pets"], None, CaptureMethod.TAPPED),
        "safe-at-home": (["no"], None, CaptureMethod.TAPPED),
    }
    for rp in review.prompts:
        if rp.library_prompt_id in answers:
            chosen, words, method = answers[rp.library_prompt_id]
            db.session.add(
                Response(
                    review_id=review.id,
                    review_prompt_id=rp.id,
                    client_id=uuid.uuid4().hex,
                    answer=chosen,
                    own_words=words,
                    capture_method=method,
                )
            )
        if rp.library_prompt_id == "like-where-you-live":
            db.session.add(
                Response(
                    review_id=review.id,
                    review_prompt_id=rp.id,
                    client_id=uuid.uuid4().hex,
                    answer=[],
                    own_words=SAM_WORDS,
                    capture_method=CaptureMethod.TYPED,
                )
            )
        if rp.library_prompt_id == "safe-at-home":
            db.session.add(
                Response(
                    review_id=review.id,
                    review_prompt_id=rp.id,
                    client_id=uuid.uuid4().hex,
                    answer=[],
                    own_words=SAFEGUARDING_WORDS,
                    capture_method=CaptureMethod.TYPED,
                )
            )
    review.person_confirmed_at = utcnow()
    review.status = ReviewStatus.PERSON_DONE


def _issue(
    app: Flask,
    demo: dict,
    person: str = "Sam",
    supporter_name: str = "Alex Carter",
    decision: ConsentDecision | None = ConsentDecision.YES,
    days_ago: int = 0,
    verifier: str = "code",
) -> Issued:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"][person])
        assert review is not None
        if review.person_confirmed_at is None:
            _person_done(review)
        staff = db.session.get(User, demo["users"][STAFF])
        supporter = db.session.scalars(
            select(Supporter).where(Supporter.name == supporter_name)
        ).one()
        if decision is not None:
            consent.record_person_choice(db.session, review, supporter, decision, "tapped", staff)
        issued = links.issue_link(
            db.session,
            review,
            supporter,
            staff,
            now=utcnow() - timedelta(days=days_ago),
            verifier=verifier,  # type: ignore[arg-type]
        )
        db.session.commit()
        return Issued(issued.token, issued.code or "", issued.link.id, review.id, supporter.id)


def _open(client: FlaskClient, token: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/family/link/{token}")
    return client.post(
        f"/family/link/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )


def _confirm(client: FlaskClient, secret: str):  # type: ignore[no-untyped-def]
    page = client.get("/family/confirm")
    return client.post(
        "/family/confirm",
        data={"secret": secret, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def _in(client: FlaskClient, issued: Issued) -> None:
    assert _open(client, issued.token).status_code == 302
    assert _confirm(client, issued.code).status_code == 302


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(AuditEvent.id))) or 0)


def _reveals_nobody(body: str) -> None:
    for word in PERSONAL:
        assert word not in body, f"{word!r} is on a page that must not name the person"


def _views_form(client: FlaskClient, page_html: str, action: str, **fields: str) -> dict[str, str]:
    data = {"csrf_token": csrf_from(page_html), "action": action}
    data.update(fields)
    return data


# --- opening a link ----------------------------------------------------------------------------


def test_opening_a_link_changes_nothing_and_names_nobody(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    before = _audit_count(app)
    page = client.get(f"/family/link/{issued.token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Share your views" in body and "Continue" in body
    _reveals_nobody(body)
    # Decision: a GET writes nothing at all, not even an audit entry, so that link previews
    # by mail scanners or messaging apps neither use the link nor fill the audit log.
    assert _audit_count(app) == before
    with app.app_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None and link.first_used_at is None and link.last_used_at is None
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "strict-origin"


def test_continue_redirects_to_an_address_without_the_token(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    response = _open(client, issued.token)
    assert response.status_code == 302
    assert response.headers["Location"] == "/family/confirm"
    assert issued.token not in response.headers["Location"]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions[-1] == "link.opened"
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None and link.first_used_at is not None
        audit_text = str(db.session.scalars(select(AuditEvent.detail)).all())
        assert issued.token not in audit_text and issued.code not in audit_text
    # The session cookie holds the link's id, never the token.
    cookie = client.get_cookie("session")
    assert cookie is not None and issued.token not in cookie.value


def test_nothing_personal_before_the_code(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    _open(client, issued.token)
    assert client.get("/family/review").headers["Location"] == "/family/confirm"
    assert client.get("/family/sent").headers["Location"] == "/family/confirm"
    page = client.get("/family/confirm")
    assert page.status_code == 200
    _reveals_nobody(page.get_data(as_text=True))


def test_wrong_code_is_refused_and_five_lock_the_link(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _open(client, issued.token)
    wrong = "000000" if issued.code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = _confirm(client, wrong)
        body = page.get_data(as_text=True)
        assert page.status_code == 400
        tries = "time" if left == 1 else "times"  # through ngettext (issue 22)
        assert "does not match" in body and f"{left} more {tries} before" in body
        _reveals_nobody(body)
        assert client.get("/family/review").status_code == 302
    locked = _confirm(client, wrong)
    assert locked.status_code == 403
    assert "This link has been locked" in locked.get_data(as_text=True)
    _reveals_nobody(locked.get_data(as_text=True))
    # Even the right code does not help now, nor opening the link again.
    assert _open(client, issued.token).status_code == 410


def test_email_on_record_instead_of_a_code(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo, verifier="email")
    _open(client, issued.token)
    page = client.get("/family/confirm")
    assert "Your email address" in page.get_data(as_text=True)
    assert _confirm(client, "someone.else@example.org").status_code == 400
    assert _confirm(client, "Alex.Carter@example.org").status_code == 302
    assert client.get("/family/review").status_code == 200


# --- links that do not work -------------------------------------------------------------------


def _problem(client: FlaskClient, token: str, status: int, heading: str) -> None:
    """Both opening (GET) and using (POST) the link give the same kind page, naming nobody."""
    csrf = _any_csrf(client)
    for response in (
        client.get(f"/family/link/{token}"),
        client.post(f"/family/link/{token}", data={"csrf_token": csrf}),
    ):
        body = response.get_data(as_text=True)
        assert response.status_code == status, (token, response.status_code)
        assert heading in body
        _reveals_nobody(body)
        assert response.headers["Cache-Control"] == "no-store"


def _any_csrf(client: FlaskClient) -> str:
    # A problem page carries the language switcher's form, so it has a CSRF token too.
    return csrf_from(client.get("/family/link/not-a-token").get_data(as_text=True))


def test_expired_link(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo, days_ago=15)
    _problem(client, issued.token, 410, "This link has expired")


def test_revoked_and_reused_after_revocation(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    assert client.get("/family/review").status_code == 200
    with app.app_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None
        links.revoke_link(db.session, link, db.session.get(User, demo["users"][STAFF]))
        db.session.commit()
    # The session that was already open stops at once ...
    page = client.get("/family/review")
    assert page.status_code == 410 and "This link no longer works" in page.get_data(as_text=True)
    _reveals_nobody(page.get_data(as_text=True))
    # ... and the link cannot be used again.
    _problem(client, issued.token, 410, "This link no longer works")
    assert client.get("/family/review").status_code == 403


def test_reissued_link_replaces_the_old_one(app: Flask, client: FlaskClient, demo: dict) -> None:
    first = _issue(app, demo)
    second = _issue(app, demo, decision=None)
    _problem(client, first.token, 410, "This link no longer works")
    _in(client, second)
    assert client.get("/family/review").status_code == 200


def test_closed_review(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    with app.app_context():
        review = db.session.get(Review, issued.review_id)
        assert review is not None
        review.status = ReviewStatus.CLOSED
        db.session.commit()
    _problem(client, issued.token, 410, "This link no longer works")


@pytest.mark.parametrize(
    "token",
    ["abc", "x" * 200, "A" * 42 + "!", "not.a.token", "A" * 44],
)
def test_malformed_tokens(client: FlaskClient, demo: dict, token: str) -> None:
    _problem(client, token, 404, "We could not find this link")


def test_guessed_token(app: Flask, client: FlaskClient, demo: dict) -> None:
    _issue(app, demo)
    _problem(client, secrets.token_urlsafe(32), 404, "We could not find this link")


def test_no_session_pages(client: FlaskClient, demo: dict) -> None:
    for path in ("/family/confirm", "/family/review", "/family/sent"):
        page = client.get(path)
        assert page.status_code == 403
        assert "Please open your link again" in page.get_data(as_text=True)


# --- reading and writing only this review ------------------------------------------------------


def test_family_reads_what_was_shared_but_never_safeguarding_answers(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    page = client.get("/family/review")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Sam agreed that you can see this" in body
    assert "Very good" in body and SAM_WORDS in body and "typed by Sam" in body
    assert (
        "You have been asked to share your views by Sian Jones, Oak House supported living." in body
    )
    assert SAFEGUARDING_WORDS not in body and "Do you feel safe at home?" not in body
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "family.review_viewed")
        ).one()
        assert viewed.detail == {"link_id": issued.link_id, "shared": True}


@pytest.mark.parametrize("decision", [ConsentDecision.NO, ConsentDecision.NOT_SURE, None])
def test_family_sees_nothing_the_person_did_not_agree_to_share(
    app: Flask, client: FlaskClient, demo: dict, decision: ConsentDecision | None
) -> None:
    # Mary may see it; Alex was asked (no / not sure) or never asked.
    _issue(app, demo, supporter_name="Mary Carter")
    issued = _issue(app, demo, decision=decision)
    _in(client, issued)
    body = client.get("/family/review").get_data(as_text=True)
    assert "is not shown here" in body
    assert SAM_WORDS not in body and "said-list" not in body and "Pets" not in body


def test_family_sees_no_other_layer(app: Flask, client: FlaskClient, demo: dict) -> None:
    """Even with consent, the advocate's, staff's and other family members' views stay hidden."""
    mary = _issue(app, demo, supporter_name="Mary Carter")
    alex = _issue(app, demo)
    with app.app_context():
        review = db.session.get(Review, alex.review_id)
        mary_row = db.session.get(Supporter, mary.supporter_id)
        staff = db.session.get(User, demo["users"][STAFF])
        assert review and mary_row and staff
        contributions.save_family_draft(
            db.session, review, mary_row, "where-i-live", {"working": "MARY-SAYS-STAIRS"}
        )
        contributions.submit_family(db.session, review, mary_row)
        contributions.add_staff_note(
            db.session, review, staff, "where-i-live", {"note": "STAFF-NOTE-TEXT"}
        )
        contributions.add_staff_note(
            db.session, review, staff, None, {"note": "STAFF-WHOLE-REVIEW"}
        )
        db.session.commit()
    _in(client, alex)
    for path in ("/family/review", "/family/sent"):
        body = client.get(path).get_data(as_text=True)
        for secret in ("MARY-SAYS-STAIRS", "STAFF-NOTE-TEXT", "STAFF-WHOLE-REVIEW", "Mary Carter"):
            assert secret not in body


def test_a_link_for_one_review_cannot_read_or_write_another(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = _issue(app, demo)
    gwen = _issue(app, demo, person="Gwen", supporter_name="Rhys Hughes")
    # No family address carries an id that could name another review, supporter or link. The
    # one exception names a recording of the person's, and is looked up only within the link's
    # own review and for a supporter the person chose (issue 24: test_person_recordings.py, a
    # family member the person did not choose never gets it).
    family_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/family")]
    named = {"family.person_recording": {"public_id"}}
    assert family_rules and all(
        set(r.arguments) <= {"token"} | named.get(r.endpoint, set()) for r in family_rules
    )
    _in(client, sam)
    page = client.get("/family/review")
    html = page.get_data(as_text=True)
    assert "Gwen" not in html
    # Ids smuggled into the form or the address are ignored: the views go to Sam's review.
    data = _views_form(
        client,
        html,
        "send",
        **{
            "t_where_i_live-working": "ALEX-VIEWS",
            "review_id": str(gwen.review_id),
            "supporter_id": str(gwen.supporter_id),
            "link": str(gwen.link_id),
        },
    )
    assert client.post(f"/family/review?review_id={gwen.review_id}", data=data).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Contribution)).all()
        assert [(r.review_id, r.supporter_id) for r in rows] == [(sam.review_id, sam.supporter_id)]
    # The family session is no staff or advocate sign-in.
    for path in (
        "/staff/",
        f"/staff/reviews/{gwen.review_id}",
        f"/staff/reviews/{gwen.review_id}/links",
        "/advocate/reviews",
        f"/advocate/reviews/{gwen.review_id}",
        "/governance/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    # Opening another link in the same browser replaces the session: Sam's review is gone.
    _in(client, gwen)
    html = client.get("/family/review").get_data(as_text=True)
    assert "Gwen" in html and "ALEX-VIEWS" not in html and "Sam" not in html


def test_a_staff_sign_in_does_not_survive_opening_a_link(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    sign_in(client, STAFF)
    assert client.get("/staff/").status_code == 200
    _open(client, issued.token)
    assert client.get("/staff/").status_code == 302


# --- drafts and sending ------------------------------------------------------------------------


def test_draft_saved_and_restored_then_sent_and_changed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    saved = client.post(
        "/family/review",
        data=_views_form(
            client,
            html,
            "save",
            **{
                "t_where_i_live-working": "The garden <b>is</b> lovely",
                "t_where_i_live-not_working": "The stairs",
                "t_where_i_live-rating": "not-good",
            },
        ),
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/family/review"
    # Come back later: a new browser, the link and the code again.
    later = app.test_client()
    _in(later, issued)
    html = later.get("/family/review").get_data(as_text=True)
    assert "The garden &lt;b&gt;is&lt;/b&gt; lovely" in html  # text, never markup
    assert re.search(r'value="not-good"[^>]*checked|checked[^>]*value="not-good"', html)
    with app.app_context():
        (draft,) = db.session.scalars(select(Contribution)).all()
        assert draft.status == ContributionStatus.DRAFT and draft.layer == Layer.FAMILY
    sent = later.post(
        "/family/review",
        data=_views_form(
            later,
            html,
            "send",
            **{
                "t_where_i_live-working": "The garden <b>is</b> lovely",
                "t_where_i_live-not_working": "The stairs",
                "t_where_i_live-rating": "not-good",
            },
        ),
    )
    assert sent.status_code == 302 and sent.headers["Location"] == "/family/sent"
    thanks = later.get("/family/sent")
    body = thanks.get_data(as_text=True)
    assert thanks.status_code == 200 and "your views have been sent" in body
    assert "The stairs" in body and "Not good" in body
    # A change is sent as a new version; the first stays exactly as sent.
    html = later.get("/family/review").get_data(as_text=True)
    assert "You have already sent your views" in html
    later.post(
        "/family/review",
        data=_views_form(
            later,
            html,
            "send",
            **{
                "t_where_i_live-working": "The garden <b>is</b> lovely",
                "t_where_i_live-not_working": "The stairs, and the bath",
                "t_where_i_live-rating": "not-good",
            },
        ),
    )
    with app.app_context():
        rows = db.session.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [(r.version, r.status, r.supersedes_id) for r in rows] == [
            (1, ContributionStatus.SUBMITTED, None),
            (2, ContributionStatus.SUBMITTED, rows[0].id),
        ]
        assert rows[0].body["not_working"] == "The stairs"
        review = db.session.get(Review, issued.review_id)
        assert review is not None
        layers = {t.topic_id: t for t in contributions.layers_for_review(db.session, review)}
        (entry,) = layers["where-i-live"].family
        assert entry.contribution.id == rows[1].id and entry.differs_by_rating  # Sam: very good


def test_sending_nothing_is_explained(app: Flask, client: FlaskClient, demo: dict) -> None:
    _in(client, _issue(app, demo))
    html = client.get("/family/review").get_data(as_text=True)
    page = client.post("/family/review", data=_views_form(client, html, "send"))
    assert page.status_code == 400
    assert "nothing new to send" in page.get_data(as_text=True)


def test_leaving_forgets_the_link_on_this_device(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    _in(client, _issue(app, demo))
    html = client.get("/family/review").get_data(as_text=True)
    left = client.post("/family/leave", data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert left.status_code == 200 and "You have finished for now" in left.get_data(as_text=True)
    assert client.get("/family/review").status_code == 403


# --- limits, caching and logs ------------------------------------------------------------------


def test_link_endpoints_are_rate_limited_kindly(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    app.config["RATELIMIT_LINKS"] = "3 per minute"
    issued = _issue(app, demo)
    for _ in range(3):
        assert client.get(f"/family/link/{secrets.token_urlsafe(32)}").status_code == 404
    limited = client.get(f"/family/link/{issued.token}")
    body = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert "Please wait a moment" in body
    _reveals_nobody(body)


def test_family_pages_are_never_cached(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    assert client.get(f"/family/link/{issued.token}").headers["Cache-Control"] == "no-store"
    _in(client, issued)
    for path in ("/family/confirm", "/family/review", "/family/sent"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_tokens_are_kept_out_of_logs(
    app: Flask, client: FlaskClient, demo: dict, caplog: pytest.LogCaptureFixture
) -> None:
    issued = _issue(app, demo)
    caplog.set_level(logging.DEBUG)
    _in(client, issued)
    client.get("/family/review")
    assert issued.token not in caplog.text and issued.code not in caplog.text
    # What gunicorn logs comes from the request environ: the token is gone from it afterwards.
    environ = EnvironBuilder(
        path=f"/family/link/{issued.token}",
        headers={"Referer": f"https://example.org/family/link/{issued.token}"},
    ).get_environ()
    environ["RAW_URI"] = environ["REQUEST_URI"] = f"/family/link/{issued.token}?x=1"
    body = b"".join(app.wsgi_app(environ, lambda *args: None))
    assert b"Share your views" in body
    for key in ("PATH_INFO", "RAW_URI", "REQUEST_URI", "HTTP_REFERER"):
        assert issued.token not in environ[key] and "/family/link/[token]" in environ[key]
    # And the development server's request log line.
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /family/link/{issued.token} HTTP/1.1", "200", "-"),
        None,
    )
    for handler_filter in logging.getLogger("werkzeug").filters:
        handler_filter.filter(record)
    assert issued.token not in record.getMessage()


# --- staff: links and consent ------------------------------------------------------------------


def _staff_links(app: Flask, client: FlaskClient, demo: dict) -> tuple[int, int]:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        assert review is not None
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        review_id, alex_id = review.id, alex.id
    sign_in(client, STAFF)
    return review_id, alex_id


def test_staff_cannot_make_links_before_the_person_is_heard(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id, alex_id = _staff_links(app, client, demo)
    page = client.get(f"/staff/reviews/{review_id}/links")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "own views come first" in html
    refused = client.post(
        f"/staff/reviews/{review_id}/links/issue",
        data={"csrf_token": csrf_from(html), "supporter_id": alex_id, "verifier": "code"},
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(InvitationLink)).all() == []


def test_staff_issue_show_once_reissue_and_revoke(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id, alex_id = _staff_links(app, client, demo)
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        _person_done(review)
        db.session.commit()
    html = client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True)
    assert "Make a link for Alex Carter" in html
    assert "Make a link for Jo Patel" not in html  # advocates sign in instead
    shown = client.post(
        f"/staff/reviews/{review_id}/links/issue",
        data={"csrf_token": csrf_from(html), "supporter_id": alex_id, "verifier": "code"},
    )
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    url = re.search(r'id="issued-link" type="text" value="([^"]+)"', body)
    code = re.search(r'id="issued-code" type="text" value="(\d{6})"', body)
    assert url and code and "Send the link and the code separately." in body
    token = url.group(1).rsplit("/", 1)[1]
    # Shown once: the list does not show them again.
    listing = client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True)
    assert token not in listing and code.group(1) not in listing
    assert "works until" in listing and "not opened yet" in listing
    # Reissue: the first link stops working.
    again = client.post(
        f"/staff/reviews/{review_id}/links/issue",
        data={"csrf_token": csrf_from(listing), "supporter_id": alex_id, "verifier": "code"},
    )
    new_token = re.search(
        r'id="issued-link" type="text" value="[^"]+/([^"/]+)"', again.get_data(as_text=True)
    )
    assert new_token
    family = app.test_client()
    assert family.get(f"/family/link/{token}").status_code == 410
    assert family.get(f"/family/link/{new_token.group(1)}").status_code == 200
    with app.app_context():
        link_id = db.session.scalars(
            select(InvitationLink.id).where(InvitationLink.revoked_at.is_(None))
        ).one()
    listing = client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True)
    client.post(
        f"/staff/reviews/{review_id}/links/{link_id}/revoke",
        data={"csrf_token": csrf_from(listing)},
    )
    assert family.get(f"/family/link/{new_token.group(1)}").status_code == 410
    listing = client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True)
    assert "stopped on" in listing


def test_staff_record_another_basis_only_with_a_reason(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id, alex_id = _staff_links(app, client, demo)
    path = f"/staff/reviews/{review_id}/links/consent/{alex_id}"
    html = client.get(path).get_data(as_text=True)
    assert "has not been asked yet" in html
    refused = client.post(
        path,
        data={
            "csrf_token": csrf_from(html),
            "basis": "best-interests",
            "decision": "yes",
            "authority_holder": "0",
            "reason": "",
        },
    )
    assert refused.status_code == 400 and "Write down the reason." in refused.get_data(as_text=True)
    # Mary's LPA for health and welfare is recorded and checked in the demo data.
    with app.app_context():
        mary_id = db.session.scalars(
            select(Supporter.id).where(Supporter.name == "Mary Carter")
        ).one()
    done = client.post(
        path,
        data={
            "csrf_token": csrf_from(html),
            "basis": "attorney",
            "decision": "yes",
            "authority_holder": str(mary_id),
            "reason": "Mary decided as attorney; Sam cannot decide this today.",
        },
    )
    assert done.status_code == 302
    listing = client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True)
    assert "an attorney&#39;s decision" in listing or "an attorney's decision" in listing
    with app.app_context():
        review = db.session.get(Review, review_id)
        alex = db.session.get(Supporter, alex_id)
        assert review and alex and consent.may_see(db.session, review, alex)


def test_advocates_and_signed_out_users_cannot_manage_links(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    assert client.get(f"/staff/reviews/{review_id}/links").status_code == 302
    sign_in(client, "advocate@demo.facilitator.test")
    assert client.get(f"/staff/reviews/{review_id}/links").status_code == 403


# --- sessions kept on the server (issue 21, item 4) ---------------------------------------------


def _copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this one's session cookie, taken now."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _family_session(app: Flask, link_id: int) -> FamilySession:
    with app.app_context():
        return db.session.scalars(
            select(FamilySession).where(FamilySession.link_id == link_id)
        ).one()


def _move_back(app: Flask, link_id: int, column: str, by: timedelta) -> None:
    with app.app_context():
        for row in db.session.scalars(
            select(FamilySession).where(FamilySession.link_id == link_id)
        ):
            setattr(row, column, getattr(row, column) - by)
        db.session.commit()


def test_the_cookie_holds_only_the_server_sessions_id(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    cookie = client.get_cookie("session")
    assert cookie is not None
    held = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    record = _family_session(app, issued.link_id)
    assert held["family"] == {"id": record.public_id}
    assert record.confirmed_at is not None and record.revoked_at is None


def test_finishing_ends_the_session_for_every_copy_of_the_cookie(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    thief = _copy_of(app, client)  # taken before finishing
    assert SAM_WORDS in thief.get("/family/review").get_data(as_text=True)
    client.post("/family/leave", data={"csrf_token": csrf_from(html)})
    for browser in (client, thief):
        for path in ("/family/review", "/family/sent", "/family/confirm", "/family/still-here"):
            page = browser.get(path)
            body = page.get_data(as_text=True)
            assert page.status_code == 403, path
            assert "Please open your link again" in body and SAM_WORDS not in body
            _reveals_nobody(body)
    record = _family_session(app, issued.link_id)
    assert record.revoked_reason == "finished"
    with app.app_context():
        ended = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "family.session_ended")
        ).one()
        assert ended.detail == {"reason": "finished"}
    # The link itself still works, with the code, in a fresh session.
    _in(client, issued)
    assert client.get("/family/review").status_code == 200


def test_revoking_the_link_ends_its_sessions_on_the_server(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    thief = _copy_of(app, client)
    with app.app_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None
        links.revoke_link(db.session, link, db.session.get(User, demo["users"][STAFF]))
        db.session.commit()
        revoked = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "link.revoked")
        ).one()
        assert revoked.detail["family_sessions_ended"] == 1
    record = _family_session(app, issued.link_id)
    assert record.revoked_at is not None and record.revoked_reason == "link-revoked"
    for browser in (thief, client):
        page = browser.get("/family/review")
        assert page.status_code == 410 and SAM_WORDS not in page.get_data(as_text=True)


def test_the_review_closing_ends_the_session(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    with app.app_context():
        review = db.session.get(Review, issued.review_id)
        assert review is not None
        review.status = ReviewStatus.CLOSED
        db.session.commit()
    page = client.get("/family/review")
    body = page.get_data(as_text=True)
    assert page.status_code == 410 and "The review it was for has finished" in body
    assert SAM_WORDS not in body
    assert _family_session(app, issued.link_id).revoked_reason == "link-closed"


def test_an_idle_session_ends_kindly_and_gives_back_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    thief = _copy_of(app, client)
    _move_back(app, issued.link_id, "last_seen_at", timedelta(minutes=21))
    page = client.post(
        "/family/review",
        data=_views_form(
            client,
            html,
            "save",
            **{
                "t_where_i_live-working": "The garden <b>is</b> lovely",
                "t_where_i_live-would_like": "A ramp by the door",
            },
        ),
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "This page has closed to keep it safe" in body
    assert "has not been used for a while" in body
    # Nothing is saved, but nothing typed is lost: it is shown back, as text, to copy.
    assert "The garden &lt;b&gt;is&lt;/b&gt; lovely\n\nA ramp by the door" in body
    assert SAM_WORDS not in body
    _reveals_nobody(body)
    with app.app_context():
        assert db.session.scalars(select(Contribution)).all() == []
    assert _family_session(app, issued.link_id).revoked_reason == "idle"
    for browser in (client, thief):
        assert browser.get("/family/review").status_code == 403


TYPED = {
    "t_where_i_live-working": "The garden <b>is</b> lovely",
    "t_where_i_live-would_like": "A ramp by the door",
}
TYPED_BACK = "The garden &lt;b&gt;is&lt;/b&gt; lovely\n\nA ramp by the door"


def _gives_back_typed(body: str) -> None:
    """The typed views are on the page as escaped, read-only text, and nothing about Sam."""
    assert TYPED_BACK in body and "<b>is</b>" not in body
    assert re.search(r'<textarea id="typed-words"[^>]*readonly', body)
    assert SAM_WORDS not in body
    _reveals_nobody(body)


def test_a_ping_that_finds_the_session_idle_keeps_what_is_typed_for_the_save(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    _move_back(app, issued.link_id, "last_seen_at", timedelta(minutes=21))
    # The first keystroke after the pause pings the server, which finds the session idle ...
    assert client.get("/family/still-here").status_code == 403
    # ... and the Save that follows still gets back what was typed, with the kind page.
    page = client.post("/family/review", data=_views_form(client, html, "save", **TYPED))
    body = page.get_data(as_text=True)
    assert page.status_code == 403 and "has not been used for a while" in body
    _gives_back_typed(body)
    with app.app_context():
        assert db.session.scalars(select(Contribution)).all() == []
    assert _family_session(app, issued.link_id).revoked_reason == "idle"


def test_a_link_that_expires_while_typing_gives_back_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    with app.app_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None
        link.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.post("/family/review", data=_views_form(client, html, "save", **TYPED))
    body = page.get_data(as_text=True)
    assert page.status_code == 410 and "This link has expired" in body
    _gives_back_typed(body)
    # That ended the session; pressing Send after it still gives the words back.
    again = client.post("/family/review", data=_views_form(client, html, "send", **TYPED))
    assert again.status_code == 403 and "Please open your link again" in again.get_data(
        as_text=True
    )
    _gives_back_typed(again.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(Contribution)).all() == []


def test_a_link_revoked_while_typing_gives_back_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    with app.app_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None
        links.revoke_link(db.session, link, db.session.get(User, demo["users"][STAFF]))
        db.session.commit()
    assert client.get("/family/still-here").status_code == 410
    page = client.post("/family/review", data=_views_form(client, html, "save", **TYPED))
    body = page.get_data(as_text=True)
    assert page.status_code == 403 and "Please open your link again" in body
    _gives_back_typed(body)


def test_a_closed_review_gives_back_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    with app.app_context():
        review = db.session.get(Review, issued.review_id)
        assert review is not None
        review.status = ReviewStatus.CLOSED
        db.session.commit()
    page = client.post("/family/review", data=_views_form(client, html, "send", **TYPED))
    body = page.get_data(as_text=True)
    assert page.status_code == 410 and "The review it was for has finished" in body
    _gives_back_typed(body)
    # A plain page load shows no box of typed words.
    assert "What you wrote" not in client.get("/family/review").get_data(as_text=True)


def test_a_long_session_ends_after_four_hours(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    _move_back(app, issued.link_id, "created_at", timedelta(hours=4, minutes=1))
    page = client.get("/family/review")
    body = page.get_data(as_text=True)
    assert page.status_code == 403 and "a few hours after you open your link" in body
    assert "What you wrote" not in body and SAM_WORDS not in body
    assert _family_session(app, issued.link_id).revoked_reason == "absolute"


def test_typing_keeps_the_session_going(app: Flask, client: FlaskClient, demo: dict) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    html = client.get("/family/review").get_data(as_text=True)
    assert 'data-still-here="/family/still-here"' in html
    # Nineteen minutes into a long view, the page tells the server they are still here ...
    _move_back(app, issued.link_id, "last_seen_at", timedelta(minutes=19))
    ping = client.get("/family/still-here")
    assert ping.status_code == 204 and ping.headers["Cache-Control"] == "no-store"
    # ... so nineteen minutes later still, what they wrote is saved.
    _move_back(app, issued.link_id, "last_seen_at", timedelta(minutes=19))
    saved = client.post(
        "/family/review",
        data=_views_form(client, html, "save", **{"t_where_i_live-working": "A long view"}),
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/family/review"


def test_opening_another_link_ends_the_first_session(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = _issue(app, demo)
    gwen = _issue(app, demo, person="Gwen", supporter_name="Rhys Hughes")
    _in(client, sam)
    thief = _copy_of(app, client)
    _in(client, gwen)
    assert _family_session(app, sam.link_id).revoked_reason == "replaced"
    assert thief.get("/family/review").status_code == 403


@pytest.mark.db
def test_family_sessions_on_each_database(session) -> None:  # type: ignore[no-untyped-def]
    """The service on SQLite and PostgreSQL: start, load, limits, ending by link and by review."""
    from facilitator.services.family import sessions as family_sessions

    from ..unit.test_consent_links_contributions import _person_done as heard
    from ..unit.test_consent_links_contributions import _world

    w = _world(session)
    heard(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    now = utcnow()
    first = family_sessions.start(session, issued.link, now=now)
    second = family_sessions.start(session, issued.link, now=now)
    session.commit()
    record, access = family_sessions.load(session, first.public_id, now=now)
    assert record.id == first.id and access.review.id == w.review.id
    with pytest.raises(family_sessions.SessionEnded) as ended:
        family_sessions.load(session, first.public_id, now=now + timedelta(minutes=21))
    assert ended.value.reason == "idle" and first.revoked_reason == "idle"
    for unknown in (None, 7, "x" * 30, "y" * 500):
        with pytest.raises(family_sessions.SessionEnded):
            family_sessions.load(session, unknown, now=now)
    # The one place a later closing feature ends a review's sessions.
    assert links.end_family_sessions(session, review=w.review, reason="review-closed") == 1
    session.commit()
    with pytest.raises(family_sessions.SessionEnded):
        family_sessions.load(session, second.public_id, now=now)
    assert second.revoked_reason == "review-closed"
    assert links.review_open(w.review)
    w.review.status = ReviewStatus.CLOSED
    assert not links.review_open(w.review) and not links.review_open(None)
