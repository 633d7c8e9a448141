"""Forms of the person's tablet: leaving person mode, sharing, settings, "did it happen?".

Field names are the ones the screens post. The tablet's answer to a prompt is not here: the
plain form and the offline queue's JSON are read into one input object,
``services.reviews.answering.TabletAnswer``. The services check what the fields say.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..models import CaptureMethod, ConsentDecision
from ..services.accounts import tablet_unlock
from .fields import WholeNumber


class UnlockForm(FlaskForm):
    """The facilitator's form on the locked tablet: what it asks for now (``step``), then the
    PIN or password (``secret``) or the code from their app (``code``)."""

    step = StringField(default=tablet_unlock.Step.PIN.value)
    secret = PasswordField(default="")
    code = StringField(default="")

    def unlock_try(self, *, address: str, route: str) -> tablet_unlock.UnlockTry:
        """What was typed, from where, on which exit route (tablet_unlock counts each try)."""
        return tablet_unlock.UnlockTry(
            step=self.step.data or tablet_unlock.Step.PIN.value,
            secret=self.secret.data or "",
            code=self.code.data or "",
            address=address,
            route=route,
        )


class ShareForm(FlaskForm):
    """'Can Alex see what you said?': the person's decision for one supporter."""

    decision = RadioField(choices=[SelectChoice(d.value, d.value) for d in ConsentDecision])


class SettingsForm(FlaskForm):
    """The settings screen's way back; the settings themselves are many fixed choices, read
    and checked by ``views.person.screens.save_settings`` from the posted form."""

    back = WholeNumber()  # the prompt to go back to, or none: the welcome screen


class FollowUpForm(FlaskForm):
    """'Did it happen?' about an earlier action, with the person's words if they said more."""

    client_id = StringField(default="")
    answer = StringField(default="")
    words = TextAreaField(default="")  # kept exactly as typed: the service checks them
    method = StringField(default=CaptureMethod.TYPED.value)
