"""Flask-WTF forms, by audience."""
