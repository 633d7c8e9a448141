"""Forms for a review's lifecycle: closing it, and reopening it (issue 17).

The rules (what closing needs, who may reopen) stay in ``services/reviews/lifecycle.py``,
which refuses with its own message; these only read what was typed.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField


class CloseReviewForm(FlaskForm):
    """What was agreed, who agreed it, and the reasons for anything not done first."""

    summary = TextAreaField(default="")
    agreed_by = TextAreaField(default="")
    unanswered_reason = TextAreaField(default="")
    not_shared_reason = TextAreaField(default="")


class ReopenReviewForm(FlaskForm):
    """Why a closed review is being reopened."""

    reason = TextAreaField(default="")
