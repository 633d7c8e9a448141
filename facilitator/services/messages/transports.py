"""How a message leaves: chosen by one setting, ``MAIL_URL`` (issue 18).

- unset: each message is written as an ``.eml`` file in ``MAIL_FOLDER`` (``instance/outbox/``),
  text messages too (addressed to the phone number), so ``make run`` needs nothing and a new
  user sees what would have been sent. A secret is masked in the file.
- ``smtp://user:password@host:587?starttls=true`` or ``smtps://user:password@host:465``: the
  standard library's smtplib (STARTTLS, AUTH, a timeout). A text message cannot go by SMTP: it
  fails at once, with a reason that says to use GOV.UK Notify.
- ``notify://``: GOV.UK Notify through ``notifications-python-client``, email and text message,
  each through one generic template whose personalisation is ``subject`` and ``body``
  (NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_SMS_TEMPLATE_ID, NOTIFY_BASE_URL).

A transport raises ``TransportError`` (try again later) or ``Undeliverable`` (never will work);
its message never carries the secret, which the caller also masks.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from ...models import OutboxMessage, utcnow
from .outbox import filled, masked

LOG = logging.getLogger(__name__)


class TransportError(Exception):
    """Sending failed this time; the message is tried again later."""


class Undeliverable(TransportError):
    """Sending can never succeed as configured (e.g. a text message without Notify)."""


class Transport(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> str | None:
        """Send one message (its secret filled in); return the provider's id, if any."""

    def close(self) -> None:
        """Let go of any connection held between messages."""


def email_for(message: OutboxMessage, sender: str, *, hide_secret: bool) -> EmailMessage:
    """The message as an email, plain text with an HTML alternative when it has one."""
    secret = None if hide_secret else message.secret
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain="facilitator.local")
    email["X-Facilitator-Key"] = message.key
    email.set_content(masked(message.text) if hide_secret else filled(message.text, secret))
    if message.html:
        body = masked(message.html) if hide_secret else filled(message.html, secret)
        email.add_alternative(body or "", subtype="html")
    if message.attachment is not None:
        attach(email, message)
    # After the content: setting the content clears every Content-* header.
    email["Content-Language"] = message.language
    return email


def attach(email: EmailMessage, message: OutboxMessage) -> None:
    """Add the message's file (e.g. ``text/calendar; method=REQUEST``) to the email."""
    kind, _, rest = (message.attachment_type or "application/octet-stream").partition(";")
    maintype, _, subtype = kind.strip().partition("/")
    params = {}
    for part in rest.split(";"):
        name, equals, value = part.strip().partition("=")
        if equals:
            params[name.strip().lower()] = value.strip()
    data = (message.attachment or "").encode("utf-8")
    email.add_attachment(
        data,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=message.attachment_name or "attachment",
        params=params,
    )


class FileTransport:
    """Writes each message to ``<folder>/<id>-<kind>.eml`` with its secret masked."""

    name = "file"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, message: OutboxMessage) -> str | None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            email = email_for(message, self.sender, hide_secret=True)
            if message.channel == "sms":
                email.replace_header("Subject", f"[text message] {message.subject}")
            path = self.folder / f"{message.id:08d}-{message.kind[:40]}.eml"
            path.write_bytes(bytes(email))
        except OSError as error:
            raise TransportError(f"Could not write the file: {error.strerror}") from error
        return path.name

    def close(self) -> None:
        return None


class SmtpTransport:
    """Through an SMTP server; one connection kept open for a batch."""

    name = "smtp"

    def __init__(self, url: str, sender: str, timeout: float = 20) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = not self.implicit_tls and query.get("starttls", ["false"])[0] in (
            "true",
            "1",
            "yes",
        )
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        # verify=false only for a test server with a throwaway certificate.
        self.context = ssl.create_default_context()
        if query.get("verify", ["true"])[0] == "false":
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        self.sender = sender
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=self.context)
        if self.username:
            smtp.login(self.username, self.password or "")
        self._smtp = smtp
        return smtp

    def send(self, message: OutboxMessage) -> str | None:
        if message.channel != "email":
            raise Undeliverable(
                "Text messages are sent only through GOV.UK Notify: set MAIL_URL=notify://"
            )
        email = email_for(message, self.sender, hide_secret=False)
        try:
            self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            raise Undeliverable("The mail server refused the recipient's address.") from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TransportError(_smtp_reason(error)) from error
        return str(email["Message-ID"])

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None


def _smtp_reason(error: Exception) -> str:
    """A short reason naming the kind of failure, never the message's content."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "The mail server refused the user name or password."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered {error.smtp_code}."
    if isinstance(error, ConnectionRefusedError):
        return "The mail server could not be reached (connection refused)."
    if isinstance(error, TimeoutError):
        return "The mail server did not answer in time."
    return f"Sending failed: {type(error).__name__}."


class NotifyTransport:
    """GOV.UK Notify: one generic email template and one text template (subject, body).

    Notify's generic template cannot carry a file: an email with an attachment (a meeting's
    calendar file) is sent without it; its text already says the day, time and place.
    """

    name = "notify"

    def __init__(
        self,
        api_key: str,
        email_template_id: str,
        sms_template_id: str,
        base_url: str,
        timeout: float = 20,
    ) -> None:
        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        self.email_template_id = email_template_id
        self.sms_template_id = sms_template_id

    def send(self, message: OutboxMessage) -> str | None:
        body = filled(message.text, message.secret)
        if message.attachment is not None:
            LOG.info("GOV.UK Notify cannot attach files: message %s sent without its %s",
                     message.id, message.attachment_name)  # fmt: skip
        try:
            if message.channel == "sms":
                answer = self.client.send_sms_notification(
                    phone_number=message.to,
                    template_id=self.sms_template_id,
                    personalisation={"subject": message.subject, "body": body},
                    reference=message.key,
                )
            else:
                answer = self.client.send_email_notification(
                    email_address=message.to,
                    template_id=self.email_template_id,
                    personalisation={"subject": message.subject, "body": body},
                    reference=message.key,
                )
        except APIError as error:
            reason = f"GOV.UK Notify answered {error.status_code}."
            # 400: the request itself is wrong (a bad number, a template's fields); 403: the
            # key is refused. Neither gets better by trying again; 429 and 5xx might.
            if error.status_code in (400, 403):
                raise Undeliverable(reason) from error
            raise TransportError(reason) from error
        return str(answer.get("id")) if isinstance(answer, dict) else None

    def close(self) -> None:
        return None


def from_config(config: Mapping[str, Any]) -> Transport:
    """The transport the settings name (``MAIL_URL`` and its companions; see config.py)."""
    url = config.get("MAIL_URL")
    sender = str(config.get("MAIL_FROM") or "Facilitator <no-reply@localhost>")
    timeout = float(config.get("MAIL_TIMEOUT_SECONDS") or 20)
    if not url:
        return FileTransport(Path(str(config["MAIL_FOLDER"])), sender)
    scheme = urlsplit(str(url)).scheme
    if scheme in ("smtp", "smtps"):
        return SmtpTransport(str(url), sender, timeout=timeout)
    if scheme == "notify":
        return NotifyTransport(
            str(config["NOTIFY_API_KEY"]),
            str(config["NOTIFY_EMAIL_TEMPLATE_ID"]),
            str(config["NOTIFY_SMS_TEMPLATE_ID"]),
            str(config.get("NOTIFY_BASE_URL") or "https://api.notifications.service.gov.uk"),
            timeout=timeout,
        )
    raise ValueError(f"MAIL_URL scheme {scheme!r} is not known")
