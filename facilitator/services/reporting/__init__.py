"""Figures across reviews: the governance dashboard and traceability."""
