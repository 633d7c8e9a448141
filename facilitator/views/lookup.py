"""Finding records for views: a missing record is a 404 page, never a stack trace."""

from __future__ import annotations

from flask import abort

from ..extensions import db
from ..models import Review
from ..services import NotFound, reviews


def review_or_404(review_id: int) -> Review:
    """The review with its person and prompts, or a 404."""
    try:
        return reviews.get_review(db.session, review_id)
    except NotFound:
        abort(404)
