"""The rules of the product. No Flask request objects in here: every function takes a Session."""


class ServiceError(Exception):
    """A rule refused an operation; the message is safe and kind enough to show to the user."""


class NotAllowed(ServiceError):
    """The actor may not do this."""


class NotFound(ServiceError):
    """The record does not exist, or the actor may not know that it does."""
