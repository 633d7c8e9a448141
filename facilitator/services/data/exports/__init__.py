"""The review record for the file, and a complete machine-readable export of a review.

``review_record`` (record.py) gathers what the record page, its print version and its PDF
show, in the order the product requires: the person's views first, then each layer, then
differing views, then the actions with the statements they answer.

``export_review`` (writing.py) writes every column of every row that belongs to a review as
JSON (rows.py: dates as ISO 8601, enums as their stored values); ``import_review``
(reading.py) reads such a document back into new rows, mapping every id, so
``export -> import -> export`` gives the same document apart from ids. Secrets are never
exported: invitation links (token hashes) are left out.
"""

from __future__ import annotations

from .reading import ImportReport, comparable, import_review
from .record import ActionEntry, ReviewRecord, review_record
from .rows import FORMAT, FORMAT_VERSION, row_to_dict
from .writing import export_json, export_review

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ActionEntry",
    "ImportReport",
    "ReviewRecord",
    "comparable",
    "export_json",
    "export_review",
    "import_review",
    "review_record",
    "row_to_dict",
]
