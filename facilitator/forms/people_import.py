"""Forms for importing people from a CSV file (issue 20): the upload, and the confirmation.

The file is read and checked by the service (``services/data/people_import``), which lists
every problem by row and column; these forms only read what was sent.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField
from wtforms.validators import InputRequired


class PeopleImportForm(FlaskForm):
    """A CSV file of people and their supporters."""

    file = FileField(validators=[FileRequired(_l("Choose the CSV file to import."))])


class ConfirmImportForm(FlaskForm):
    """Confirm the import previewed: the kept file's number, never typed."""

    import_id = IntegerField(
        validators=[InputRequired(_l("Upload the file again: the preview was lost."))]
    )
