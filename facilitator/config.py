"""Settings, read from the environment once when the app is created.

Everything has a safe default for a single machine (SQLite in ``instance/``); production sets
DATABASE_URL, SECRET_KEY and FACILITATOR_ENV=production.
"""

from __future__ import annotations

import os
import secrets
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

TWELVE_HOURS = 12 * 60 * 60


class ConfigError(RuntimeError):
    """Raised when a setting is missing or malformed; the message says how to fix it."""


def _secret_key(instance_path: Path, production: bool) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/.

    A generated key is kept in a file (mode 600) so that sessions survive restarts and
    several workers on one machine share it. Production must set it explicitly: several
    instances on different machines would otherwise sign cookies with different keys.
    """
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        if len(from_env) < 32:
            raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
        return from_env
    if production:
        raise ConfigError(
            "SECRET_KEY is not set. In production, set SECRET_KEY to a long random value, "
            "for example: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(instance_path: Path) -> str:
    """DATABASE_URL from the environment (checked), else SQLite in instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'facilitator.sqlite3'}"
    check_database_url(url)
    return url


def check_database_url(url: str) -> None:
    """Refuse a DATABASE_URL we cannot use, with a message that says what to write instead."""
    scheme = urlsplit(url).scheme
    if scheme.startswith("sqlite"):
        if not url.startswith("sqlite:///"):
            raise ConfigError(
                f"DATABASE_URL {url!r} is not a SQLite file address. "
                "Use sqlite:////absolute/path/facilitator.sqlite3"
            )
        return
    if scheme in ("postgresql", "postgres"):
        raise ConfigError(
            "DATABASE_URL must name the psycopg 3 driver: write postgresql+psycopg://... "
            "instead of postgresql://..."
        )
    if scheme != "postgresql+psycopg":
        raise ConfigError(
            f"DATABASE_URL has an unsupported scheme {scheme!r}. Use "
            "postgresql+psycopg://user:password@host:5432/dbname or sqlite:////path/file.sqlite3"
        )
    if not urlsplit(url).hostname and "host=" not in url:
        raise ConfigError("DATABASE_URL has no host: postgresql+psycopg://user@host:5432/dbname")


def provider_nation() -> str:
    """PROVIDER_NATION: england (the default) or wales; anything else is refused."""
    nation = os.environ.get("PROVIDER_NATION", "england").strip().lower() or "england"
    if nation not in ("england", "wales"):
        raise ConfigError(
            f"PROVIDER_NATION {nation!r} is not known. Write england or wales: it decides "
            "which Ombudsman complaint responses name."
        )
    return nation


def rate_limit_storage(instance_path: Path) -> str:
    """Where rate limits are counted: Redis at REDIS_URL, else a SQLite file on this machine.

    Redis's client is an extra (``pip install 'facilitator[redis]'``): a machine that sets
    REDIS_URL without it is told so here, not by a stack trace from the limits library.
    """
    setting = "REDIS_URL" if os.environ.get("REDIS_URL") else "RATELIMIT_STORAGE_URI"
    uri = (
        os.environ.get(setting) or f"facilitator+sqlite:///{instance_path / 'rate-limits.sqlite3'}"
    )
    if urlsplit(uri).scheme.startswith("redis") and find_spec("redis") is None:
        raise ConfigError(
            f"{setting} names Redis but the redis package is not installed. Install it with "
            f"pip install 'facilitator[redis]', or unset {setting} to count rate limits "
            "on this machine."
        )
    return uri


def file_store() -> str:
    """FILE_STORE: where photos and recordings are kept, "database" (default) or "s3"."""
    store = os.environ.get("FILE_STORE", "database").strip().lower() or "database"
    if store not in ("database", "s3"):
        raise ConfigError(f"FILE_STORE {store!r} is not known. Write database or s3.")
    if store == "s3":
        if not os.environ.get("S3_BUCKET", "").strip():
            raise ConfigError("FILE_STORE is s3 but S3_BUCKET is not set: name the bucket.")
        if find_spec("boto3") is None:
            raise ConfigError(
                "FILE_STORE is s3 but boto3 is not installed. Install it with "
                "pip install boto3, or set FILE_STORE=database."
            )
    return store


def retention_years() -> int:
    """RETENTION_YEARS: how long a person's records are kept after their care ends (default 8).

    Eight years after the end of care is the minimum the Records Management Code of Practice
    for Health and Social Care gives for adult social care records; see the README.
    """
    value = os.environ.get("RETENTION_YEARS", "8").strip()
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise ConfigError(
            f"RETENTION_YEARS must be a whole number of years from 1 to 100, not {value!r}."
        )
    return int(value)


def review_interval_months() -> int:
    """REVIEW_INTERVAL_MONTHS: months from one review to the next (default 12).

    Twelve months is the Care Act statutory guidance's expectation (13.32); a person's own
    interval, where staff set one, comes first.
    """
    value = os.environ.get("REVIEW_INTERVAL_MONTHS", "12").strip()
    if not value.isdigit() or not 1 <= int(value) <= 36:
        raise ConfigError(
            f"REVIEW_INTERVAL_MONTHS must be a whole number of months from 1 to 36, not {value!r}."
        )
    return int(value)


MAIL_SCHEMES = ("smtp", "smtps", "notify")


def mail_url() -> str | None:
    """MAIL_URL: where messages go (unset: .eml files under instance/outbox/); checked here.

    smtp://user:password@host:587?starttls=true, smtps://user:password@host:465, or notify://
    (GOV.UK Notify, with NOTIFY_API_KEY and the template ids). See the README, "Sending email".
    """
    url = os.environ.get("MAIL_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in MAIL_SCHEMES:
        raise ConfigError(
            f"MAIL_URL has an unsupported scheme {parts.scheme!r}. Write "
            "smtp://user:password@host:587?starttls=true, smtps://user:password@host:465 "
            "or notify://, or leave it unset to write messages to instance/outbox/."
        )
    if parts.scheme != "notify" and not parts.hostname:
        raise ConfigError("MAIL_URL has no host: smtp://user:password@mail.example.org:587")
    if parts.scheme == "notify":
        missing = [
            name
            for name in ("NOTIFY_API_KEY", "NOTIFY_EMAIL_TEMPLATE_ID", "NOTIFY_SMS_TEMPLATE_ID")
            if not os.environ.get(name, "").strip()
        ]
        if missing:
            raise ConfigError(
                f"MAIL_URL is notify:// but {', '.join(missing)} is not set: copy the API key "
                "and the ids of a generic email and text message template from GOV.UK Notify."
            )
    return url


def load_config(instance_path: Path) -> dict[str, object]:
    """Build the app's settings from the environment."""
    production = os.environ.get("FACILITATOR_ENV", "").lower() == "production"
    return {
        "FACILITATOR_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "DATABASE_URL": database_url(instance_path),
        # A long review on a tablet must not lose its form to an expired token.
        "WTF_CSRF_TIME_LIMIT": TWELVE_HOURS,
        "WTF_CSRF_SSL_STRICT": True,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Also Secure on any request that arrived over HTTPS (behind a trusted proxy, via
        # ProxyFix): see SecureWhenHttpsSessions in facilitator/auth.py.
        "SESSION_COOKIE_SECURE": production,
        # Signed-in sessions end after 30 minutes without a request and 12 hours at most
        # (NIST SP 800-63B AAL2, OWASP ASVS 3.3.2). Person mode has no time limit.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        # While someone types, app.js tells the server they are still here this often.
        "STILL_HERE_EVERY_SECONDS": 120,
        # Time allowed between a right password and the second step (or setting it up).
        "SIGN_IN_STEP_MINUTES": 15,
        "REMEMBER_COOKIE_DURATION": 0,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(
            Path(__file__).resolve().parent.parent / "translations"
        ),
        "SPEECH_CACHE_DIR": os.environ.get("SPEECH_CACHE_DIR", str(instance_path / "audio")),
        "SPEECH_DEFAULT_RATE": 135,
        # Rendered prompt screens kept per review state in each app process (0 turns it off):
        # see facilitator/views/person/screen_cache.py.
        "PERSON_SCREEN_CACHE_SIZE": int(os.environ.get("PERSON_SCREEN_CACHE_SIZE", "2000")),
        "PERSON_SCREEN_CACHE_SECONDS": 600,
        # Sign-in pauses (services/accounts.py, ThrottlePolicy): failures of one account from
        # one address; of one account from anywhere, and of any accounts from one address (these
        # two pause only places the account has not signed in from); pauses double from the
        # first to the longest; failures are forgotten after the window.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 5,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 50,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "LOGIN_FAILURE_WINDOW_SECONDS": 24 * 60 * 60,
        "LOGIN_FIRST_PAUSE_SECONDS": 60,
        "LOGIN_LONGEST_PAUSE_SECONDS": 60 * 60,
        # Static text only: pages and JSON carry the CSRF token, and compressing secrets next
        # to reflected input invites BREACH-style attacks.
        "COMPRESS_MIMETYPES": [
            "text/css",
            "text/javascript",
            "application/javascript",
            "image/svg+xml",
            "application/manifest+json",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 512,
        "SERVICE_NAME": os.environ.get("SERVICE_NAME", "Facilitator"),
        # Records are erased this many years after care ends (`flask retention`).
        "RETENTION_YEARS": retention_years(),
        # The next review is planned this many months after one closes (issue 17).
        "REVIEW_INTERVAL_MONTHS": review_interval_months(),
        # Which Ombudsman complaints go to: england (LGSCO) or wales (PSOW).
        "PROVIDER_NATION": provider_nation(),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Rate limits are shared between workers and instances through Redis when it is set;
        # without it, between the workers and instances on this machine through a SQLite file
        # (facilitator/rate_limits.py), never counted in each worker on its own.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": rate_limit_storage(instance_path),
        # Always explicit: Flask-Limiter keeps one "enabled" flag on its single extension object
        # and only fills it in when the setting is missing, so an app that switched limits off
        # (a test) would otherwise leave them off for every app made after it in the process.
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "true").lower() != "false",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Several Facilitator sites sharing one Redis keep their counts apart by a prefix
        # (Flask-Limiter's own setting; empty by default).
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "").strip(),
        "RATELIMIT_SIGN_IN": os.environ.get("RATELIMIT_SIGN_IN", "30 per minute"),
        "RATELIMIT_LINKS": os.environ.get("RATELIMIT_LINKS", "30 per minute"),
        "RATELIMIT_UPLOADS": os.environ.get("RATELIMIT_UPLOADS", "20 per 10 minutes"),
        # Messages that leave the app (issue 18): MAIL_URL (unset: .eml files in MAIL_FOLDER),
        # the sender's address, GOV.UK Notify's key, templates and address, and the worker's
        # lease (a message claimed by a worker that died is tried again after it).
        "MAIL_URL": mail_url(),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Facilitator <no-reply@localhost>"),
        "MAIL_FOLDER": os.environ.get("MAIL_FOLDER", str(instance_path / "outbox")),
        "MAIL_TIMEOUT_SECONDS": int(os.environ.get("MAIL_TIMEOUT_SECONDS", "20")),
        "NOTIFY_API_KEY": os.environ.get("NOTIFY_API_KEY") or None,
        "NOTIFY_EMAIL_TEMPLATE_ID": os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID") or None,
        "NOTIFY_SMS_TEMPLATE_ID": os.environ.get("NOTIFY_SMS_TEMPLATE_ID") or None,
        "NOTIFY_BASE_URL": os.environ.get(
            "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
        ),
        "MESSAGES_LEASE_SECONDS": int(os.environ.get("MESSAGES_LEASE_SECONDS", "600")),
        # What goes out, and when (issue 18, services/messages/notices.py and schedule.py): the
        # address people reach the app at, for links in messages (unset: the request's host,
        # else http://localhost:5000); how long an unopened safety flag waits before the second
        # alert; how long a link to set a new password works.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or None,
        "SAFETY_ALERT_ESCALATE_HOURS": float(os.environ.get("SAFETY_ALERT_ESCALATE_HOURS", "4")),
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "60")),
        # Operations (issue 19): "json" logs one JSON object a line (facilitator/observability.py);
        # /metrics answers only a scraper presenting this token (unset: no /metrics at all);
        # /readyz waits for the speech cache only when speech is required.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").strip().lower() or "text",
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "READY_REQUIRES_SPEECH": os.environ.get("READY_REQUIRES_SPEECH", "").strip().lower()
        in ("1", "true", "yes"),
        # Each instance renders the speech it lacks in a background thread: the library at
        # start-up, and any text a screen asked for (accessible/speech_cache.py).
        "SPEECH_RENDER_IN_BACKGROUND": os.environ.get("SPEECH_RENDER_IN_BACKGROUND", "")
        .strip()
        .lower()
        in ("1", "true", "yes"),
        # Photos and recordings live in the file store (the database, issue 19). This folder is
        # only where migration 0021 finds the files kept on disk before, and where its
        # downgrade writes them back.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # Or an S3-compatible object store for the bytes (services/media/storage.py): the
        # bucket, the store's address (unset: AWS), region and keys (unset: boto3's own).
        "FILE_STORE": file_store(),
        "S3_BUCKET": os.environ.get("S3_BUCKET", "").strip() or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", "").strip() or None,
        "S3_REGION": os.environ.get("S3_REGION", "").strip() or None,
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", "").strip() or None,
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", "").strip() or None,
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", 6 * 1024 * 1024)),
        "PHOTO_MAX_PIXELS": int(os.environ.get("PHOTO_MAX_PIXELS", 25_000_000)),
        # Covering another service opens one person there for this long (issue 25).
        "COVER_HOURS": int(os.environ.get("COVER_HOURS", "12")),
    }
