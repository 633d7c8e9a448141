"""Administrators' forms for services (issue 25): a new service, the services an account
belongs to, and a service's safeguarding leads."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..models.services import ServiceKind
from .fields import choice, picked, strip

# What each kind of service is called on the pages.
KIND_LABELS = {
    ServiceKind.CARE_HOME: _l("Care home"),
    ServiceKind.SUPPORTED_LIVING: _l("Supported living"),
    ServiceKind.HOME_CARE: _l("Home care"),
    ServiceKind.DAY_SERVICE: _l("Day service"),
    ServiceKind.COMMUNITY_TEAM: _l("Community team"),
}


class ServiceForm(FlaskForm):
    """A new service: its name, its kind and, where there is one, its CQC location id."""

    name = StringField(
        _l("Name of the service"),
        validators=[
            DataRequired(_l("Write the service's name.")),
            Length(max=160, message=_l("Write the service's name in 2 to 160 characters.")),
        ],
        render_kw={"maxlength": 160, "autocomplete": "off"},
    )
    kind = choice(
        ServiceKind, _l("Choose what kind of service it is."), label=_l("Kind of service")
    )
    cqc_location_id = StringField(
        _l("CQC location id (if it has one)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=40, message=_l("A CQC location id is short, like 1-123456789.")),
        ],
        render_kw={"maxlength": 40, "autocomplete": "off", "spellcheck": "false"},
    )


class AccountServicesForm(FlaskForm):
    """The services an account belongs to (ticked boxes, each a service's id) and, for a
    manager, whether they see all services."""

    services = picked(label=_l("Services"))
    all_services = BooleanField(_l("All services, now and in future"))


class LeadsForm(FlaskForm):
    """A service's safeguarding leads (ticked boxes, each an account's id)."""

    leads = picked(label=_l("Safeguarding leads"))
