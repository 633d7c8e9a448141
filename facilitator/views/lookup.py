"""Finding records for views: a missing record is a 404 page, never a stack trace.

The service's ``NotFound`` is answered by the edge (``views/edge.py``) as the 404 page, so
nothing here catches it.
"""

from __future__ import annotations

from ..extensions import db
from ..models import Review
from ..services import reviews


def review_or_404(review_id: int) -> Review:
    """The review with its person and prompts, or ``NotFound`` (a 404 page at the edge)."""
    return reviews.get_review(db.session, review_id)
