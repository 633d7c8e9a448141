"""Forms for an advocate's formal report and staff's written response (issue 17).

They only read what was sent; the rules (who may file, what a file may be, the dates) are in
``services/governance/advocate_reports.py``, which refuses with its own message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from .fields import IsoDate, WholeNumber

WHOLE_REVIEW = "review"


class AdvocateReportForm(FlaskForm):
    """The report: what it is about, its words, and an optional file."""

    about = WholeNumber()  # a differing view's id; empty for the review as a whole
    body = TextAreaField(default="")
    attachment = FileField()

    @property
    def file_chosen(self) -> bool:
        """Whether a file came with the form (its bytes are not kept after a refusal)."""
        return bool(self.attachment.data and self.attachment.data.filename)


class ReportResponseForm(FlaskForm):
    """Staff's written response to a report, and the day it was written."""

    body = TextAreaField(default="")
    written_on = IsoDate(message=_l("Enter the date the response was written as a real date."))
