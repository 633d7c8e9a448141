"""Complaints sent by the person on the tablet, or by a family member through their link.

Both land in the complaints register (``complaints.receive``) with its 3-working-day
acknowledgement clock, received today, attributed honestly: raised by the person (on the
tablet their review is locked to) or by the supporter the link was sent to (through that
link), never by the member of staff whose account the tablet is signed in with. Where it came
from is kept in ``complaint_sources``.

Each form carries a one-time token (:func:`new_token`). A second tap of Send, or the same form
sent again, finds the complaint already made instead of making a second one.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Complaint, ComplaintSource, ComplaintTopic, Review, Supporter, User
from .. import NotAllowed, ServiceError
from . import clean, complaints, today

PERSON_TABLET, FAMILY_LINK = "person-tablet", "family-link"
WORDS_LIMIT = 2000
TOKEN = re.compile(r"^[0-9a-f]{32}$")

# What the person can choose on the tablet, each with the words shown and spoken to them.
PERSON_CHOICES: tuple[tuple[str, str, object], ...] = (
    (ComplaintTopic.PERSON_NOT_LISTENED_TO.value, "ear", _l("People do not listen to me.")),
    (
        ComplaintTopic.FAMILY_INVOLVEMENT.value,
        "family",
        _l("Something about my family or friends."),
    ),
    (ComplaintTopic.INFORMATION_SHARING.value, "letters", _l("Something about my information.")),
    (ComplaintTopic.OTHER.value, "not-working", _l("Something else is wrong.")),
)
FAMILY_CHOICES: tuple[tuple[str, object], ...] = (
    (ComplaintTopic.FAMILY_INVOLVEMENT.value, _l("How I am involved in the review")),
    (ComplaintTopic.PERSON_NOT_LISTENED_TO.value, _l("The person is not being listened to")),
    (ComplaintTopic.INFORMATION_SHARING.value, _l("How information is shared")),
    (ComplaintTopic.ADVOCATE_INVOLVEMENT.value, _l("How an advocate is involved")),
    (ComplaintTopic.OTHER.value, _l("Something else")),
)


def new_token() -> str:
    """A one-time token for one complaint form."""
    return secrets.token_hex(16)


def _token(value: str | None) -> str:
    if not value or not TOKEN.match(value):
        raise ServiceError(_l("Please open the page again and send it from there."))
    return value


def _already(session: Session, token: str, review: Review) -> Complaint | None:
    found = session.scalar(select(ComplaintSource).where(ComplaintSource.client_token == token))
    if found is None:
        return None
    complaint = session.get(Complaint, found.complaint_id)
    if complaint is None or complaint.person_id != review.person_id:
        raise NotAllowed(_l("Please open the page again and send it from there."))
    return complaint


def _made(
    session: Session,
    token: str,
    review: Review,
    make: ComplaintSource,
    **receive: object,
) -> tuple[Complaint, bool]:
    try:
        with session.begin_nested():
            complaint = complaints.receive(
                session,
                received_on=today(),
                person=review.person,
                review=review,
                **receive,  # type: ignore[arg-type]
            )
            make.complaint_id = complaint.id
            session.add(make)
            session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other request made it.
        again = _already(session, token, review)
        if again is None:
            raise
        return again, False
    return complaint, True


def from_person(
    session: Session,
    review: Review,
    *,
    topic: str | None,
    words: str | None,
    token: str | None,
    tablet_user: User | None,
) -> tuple[Complaint, bool]:
    """The person's complaint from the tablet: (the complaint, whether it is new)."""
    token = _token(token)
    found = _already(session, token, review)
    if found is not None:
        return found, False
    chosen = {value: text for value, _picture, text in PERSON_CHOICES}
    if topic not in chosen:
        raise ServiceError(_l("Choose a picture that says what is wrong."))
    typed = clean(words, limit=WORDS_LIMIT, what=_l("words"))
    about = str(chosen[topic]) + (f"\n\n{typed}" if typed else "")
    return _made(
        session,
        token,
        review,
        ComplaintSource(
            source=PERSON_TABLET,
            client_token=token,
            tablet_user_id=tablet_user.id if tablet_user is not None else None,
        ),
        actor=None,
        actor_label="the person, on the tablet",
        raised_by=review.person.preferred_name or review.person.full_name,
        raised_by_role="The person, on the tablet",
        about=about,
        topic=topic,
    )


def from_family(
    session: Session,
    review: Review,
    supporter: Supporter,
    *,
    link_id: int,
    topic: str | None,
    words: str | None,
    token: str | None,
) -> tuple[Complaint, bool]:
    """A family member's complaint through their link: (the complaint, whether it is new)."""
    token = _token(token)
    found = _already(session, token, review)
    if found is not None:
        return found, False
    if topic not in {value for value, _text in FAMILY_CHOICES}:
        raise ServiceError(_l("Choose what your complaint is about."))
    about = clean(
        words,
        required=ServiceError(_l("Say what is wrong, in your own words.")),
        limit=WORDS_LIMIT,
        what=_l("words"),
    )
    return _made(
        session,
        token,
        review,
        ComplaintSource(
            source=FAMILY_LINK, client_token=token, supporter_id=supporter.id, link_id=link_id
        ),
        actor=None,
        actor_label=f"supporter {supporter.id} by link {link_id}",
        raised_by=supporter.name,
        raised_by_role="Family member or friend, through their link",
        about=about,
        topic=topic,
    )
