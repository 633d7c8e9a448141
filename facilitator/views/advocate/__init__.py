"""Independent advocates: their people, and their own layer of a review."""
