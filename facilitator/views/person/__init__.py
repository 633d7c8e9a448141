"""The person's own screens on the tablet (person mode)."""
