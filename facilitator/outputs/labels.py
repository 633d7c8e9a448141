"""Words for stored values, in the page's language, for templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import LANGUAGES
from ..models import (
    ADVOCATE_ROLES,
    AdvocateReason,
    AuthorityKind,
    CaptureMethod,
    NonParticipationReason,
    Relationship,
    ReviewKind,
    ReviewStatus,
    Role,
    SupporterRole,
)

if TYPE_CHECKING:
    from ..services.reviews.layers import Author

ROLE = {
    Role.ADMIN: _l("administrator"),
    Role.MANAGER: _l("manager"),
    Role.STAFF: _l("staff"),
    Role.ADVOCATE: _l("advocate"),
}
SUPPORTER_ROLE = {
    SupporterRole.FAMILY: _l("family member"),
    SupporterRole.FRIEND: _l("friend"),
    SupporterRole.UNPAID_CARER: _l("unpaid carer"),
    SupporterRole.CARE_ACT_ADVOCATE: _l("Care Act independent advocate"),
    SupporterRole.IMCA: _l("IMCA (Mental Capacity Act advocate)"),
    SupporterRole.IMHA: _l("IMHA (Mental Health Act advocate)"),
    SupporterRole.ATTORNEY: _l("attorney"),
    SupporterRole.DEPUTY: _l("Court of Protection deputy"),
}
AUTHORITY = {
    AuthorityKind.LPA_HEALTH_WELFARE: _l("Lasting Power of Attorney for health and welfare"),
    AuthorityKind.LPA_PROPERTY_FINANCE: _l(
        "Lasting Power of Attorney for property and financial affairs"
    ),
    AuthorityKind.DEPUTY_HEALTH_WELFARE: _l("Court of Protection deputy for health and welfare"),
    AuthorityKind.DEPUTY_PROPERTY_FINANCE: _l(
        "Court of Protection deputy for property and affairs"
    ),
}
REVIEW_KIND = {
    ReviewKind.FIRST: _l("first review"),
    ReviewKind.PLANNED: _l("planned review"),
    ReviewKind.UNPLANNED: _l("unplanned review"),
}
REVIEW_STATUS = {
    ReviewStatus.PLANNED: _l("planned"),
    ReviewStatus.PERSON_IN_PROGRESS: _l("the person's session is under way"),
    ReviewStatus.PERSON_DONE: _l("the person's views are done"),
    ReviewStatus.CLOSED: _l("closed"),
}
ADVOCATE_REASON = {
    AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON: _l(
        "substantial difficulty being involved and no appropriate person to support them"
    ),
    AdvocateReason.PERSON_ASKED: _l("the person asked for an advocate"),
    AdvocateReason.DISAGREEMENT_WITH_APPROPRIATE_PERSON: _l(
        "the person and their family disagree about what is best"
    ),
    AdvocateReason.OTHER: _l("another reason"),
}
CAPTURE = {
    CaptureMethod.TAPPED: _l("tapped by the person"),
    CaptureMethod.TYPED: _l("typed by the person"),
    CaptureMethod.SCRIBED: _l("said by the person, written down word for word"),
    CaptureMethod.INTERPRETED: _l("a facilitator's reading of a non-verbal response"),
}


NON_PARTICIPATION = {
    NonParticipationReason.DECLINED: _l("declined"),
    NonParticipationReason.UNWELL: _l("unwell"),
    NonParticipationReason.ASLEEP: _l("asleep"),
    NonParticipationReason.DISTRESSED: _l("distressed"),
    NonParticipationReason.NOT_AVAILABLE: _l("not available"),
    NonParticipationReason.OTHER: _l("another reason"),
}

# Who a supporter is to the person (Relationship), in the page's language. "Other" has the
# note staff typed instead.
RELATIONSHIP = {
    Relationship.MOTHER: _l("mother"),
    Relationship.FATHER: _l("father"),
    Relationship.PARENT: _l("parent"),
    Relationship.DAUGHTER: _l("daughter"),
    Relationship.SON: _l("son"),
    Relationship.CHILD: _l("child"),
    Relationship.SISTER: _l("sister"),
    Relationship.BROTHER: _l("brother"),
    Relationship.WIFE: _l("wife"),
    Relationship.HUSBAND: _l("husband"),
    Relationship.PARTNER: _l("partner"),
    Relationship.GRANDMOTHER: _l("grandmother"),
    Relationship.GRANDFATHER: _l("grandfather"),
    Relationship.GRANDCHILD: _l("grandchild"),
    Relationship.AUNT: _l("aunt"),
    Relationship.UNCLE: _l("uncle"),
    Relationship.NIECE: _l("niece"),
    Relationship.NEPHEW: _l("nephew"),
    Relationship.COUSIN: _l("cousin"),
    Relationship.FRIEND: _l("friend"),
    Relationship.NEIGHBOUR: _l("neighbour"),
    Relationship.CARER: _l("unpaid carer"),
    Relationship.ADVOCATE: _l("advocate"),
    Relationship.ATTORNEY: _l("attorney"),
    Relationship.DEPUTY: _l("deputy"),
    Relationship.OTHER: _l("other"),
}
# The whole sentence the tablet reads to the person, one per relationship, so that each
# language can say it its own way (Welsh mutation, Polish cases).
RELATIONSHIP_SENTENCE = {
    Relationship.MOTHER: _l("%(name)s is your mother."),
    Relationship.FATHER: _l("%(name)s is your father."),
    Relationship.PARENT: _l("%(name)s is your parent."),
    Relationship.DAUGHTER: _l("%(name)s is your daughter."),
    Relationship.SON: _l("%(name)s is your son."),
    Relationship.CHILD: _l("%(name)s is your child."),
    Relationship.SISTER: _l("%(name)s is your sister."),
    Relationship.BROTHER: _l("%(name)s is your brother."),
    Relationship.WIFE: _l("%(name)s is your wife."),
    Relationship.HUSBAND: _l("%(name)s is your husband."),
    Relationship.PARTNER: _l("%(name)s is your partner."),
    Relationship.GRANDMOTHER: _l("%(name)s is your grandmother."),
    Relationship.GRANDFATHER: _l("%(name)s is your grandfather."),
    Relationship.GRANDCHILD: _l("%(name)s is your grandchild."),
    Relationship.AUNT: _l("%(name)s is your aunt."),
    Relationship.UNCLE: _l("%(name)s is your uncle."),
    Relationship.NIECE: _l("%(name)s is your niece."),
    Relationship.NEPHEW: _l("%(name)s is your nephew."),
    Relationship.COUSIN: _l("%(name)s is your cousin."),
    Relationship.FRIEND: _l("%(name)s is your friend."),
    Relationship.NEIGHBOUR: _l("%(name)s is your neighbour."),
    Relationship.CARER: _l("%(name)s is your carer."),
    Relationship.ADVOCATE: _l("%(name)s is your advocate."),
    Relationship.ATTORNEY: _l("%(name)s is your attorney."),
    Relationship.DEPUTY: _l("%(name)s is your deputy."),
}


def format_date(value: date | datetime | None) -> str:
    """A date in the page's language, like 12 March 2027."""
    if value is None:
        return ""
    return str(babel_format_date(value, "d MMMM y"))


def relationship_words(code: str, note: str | None = None) -> str:
    """A supporter's relationship in the page's language: from the list, the note for
    "other", or (an older record not in the list) as it was typed."""
    try:
        relationship = Relationship(code)
    except ValueError:
        return code
    if relationship == Relationship.OTHER:
        return note or str(RELATIONSHIP[Relationship.OTHER])
    return str(RELATIONSHIP[relationship])


def relationship_sentence(name: str, code: str) -> str:
    """What the tablet tells the person, like "Rhian is your daughter.", in their language.
    Without a relationship from the list it says only that the supporter is someone they know,
    never words typed in another language."""
    try:
        sentence = RELATIONSHIP_SENTENCE.get(Relationship(code))
    except ValueError:
        sentence = None
    if sentence is None:
        return _("%(name)s is someone in your life.", name=name)
    return str(sentence) % {"name": name}


def author_description(author: Author) -> str:
    """Who wrote a layer, like "Alex Carter, brother (family member), no legal authority"."""
    if not author.is_supporter:
        role = author.job_title or str(ROLE.get(Role(author.role), author.role))
        return _("%(name)s, %(role)s (staff)", name=author.name, role=role)
    role_words = str(SUPPORTER_ROLE.get(SupporterRole(author.role), author.role))
    who = (
        _(
            "%(name)s, %(relationship)s (%(role)s)",
            name=author.name,
            relationship=relationship_words(author.relationship, author.relationship_note),
            role=role_words,
        )
        if author.relationship
        else _("%(name)s (%(role)s)", name=author.name, role=role_words)
    )
    if author.organisation:
        who = _("%(who)s, %(organisation)s", who=who, organisation=author.organisation)
    if author.no_longer_involved:
        who = _("%(who)s, no longer involved", who=who)
    if author.role in {r.value for r in ADVOCATE_ROLES}:
        return who
    return _("%(who)s: %(authority)s", who=who, authority=authority_words(author))


def authority_words(author: Author) -> str:
    """The author's legal authority in words, or that the view is sought and not a decision."""
    if not author.authorities:
        return _("no legal authority: their view is sought, they do not make decisions")
    parts = []
    for authority in author.authorities:
        kind = str(AUTHORITY.get(authority.kind, authority.kind))
        if authority.checked_at is not None:
            parts.append(_("%(kind)s (checked)", kind=kind))
        else:
            parts.append(_("%(kind)s (not checked yet)", kind=kind))
    return "; ".join(parts)


def register_labels(app: Flask) -> None:
    """Expose the label lookups to every template."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.globals.update(
        role_label=lambda v: ROLE.get(Role(v), v),
        supporter_role_label=lambda v: SUPPORTER_ROLE.get(SupporterRole(v), v),
        authority_label=lambda v: AUTHORITY.get(AuthorityKind(v), v),
        review_kind_label=lambda v: REVIEW_KIND.get(ReviewKind(v), v),
        review_status_label=lambda v: REVIEW_STATUS.get(ReviewStatus(v), v),
        advocate_reason_label=lambda v: ADVOCATE_REASON.get(AdvocateReason(v), v),
        capture_label=lambda v: CAPTURE.get(CaptureMethod(v), v),
        non_participation_label=lambda v: NON_PARTICIPATION.get(NonParticipationReason(v), v),
        language_name=lambda code: LANGUAGES.get(code, code),
        author_description=author_description,
        relationship_label=relationship_words,
        relationship_sentence=relationship_sentence,
        relationship_choices=lambda: [(r.value, RELATIONSHIP[r]) for r in Relationship],
    )
