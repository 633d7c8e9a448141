"""The app factory: settings, extensions, blueprints, hooks and commands, in that order.

``facilitator.create_app`` (in the package's ``__init__``) calls ``build_app`` here. It lives in
a module of its own because a package's ``__init__`` runs on every import of anything below it:
``import facilitator.models`` (migrations) or ``facilitator.redaction`` (gunicorn.conf.py) should
not load every view, command and PDF library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import auth  # noqa: F401  (registers the user loader)
from .accessible.speech_cache import register_speech_cache
from .cli import register_commands
from .config import ConfigError, load_config
from .errors import register_error_handlers
from .extensions import babel, compress, csrf, db, htmx, limiter, login_manager
from .i18n import register_i18n, select_locale
from .observability import register_observability
from .outputs.labels import register_labels
from .prompts.library import use_custom_prompts
from .routing import register_converters
from .security import register_security
from .services.media import custom_prompts
from .services.media.storage import register_file_store
from .static_cache import register_static_cache
from .text import install as install_text_cleaning
from .views import register_blueprints


def build_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, errors, commands."""
    app = Flask("facilitator", instance_relative_config=True)
    instance = Path((test_config or {}).get("INSTANCE_PATH") or app.instance_path)
    app.instance_path = str(instance)
    _register_config(app, instance, test_config)
    _register_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    register_commands(app)
    register_speech_cache(app)
    register_file_store(app)
    return app


def _register_config(app: Flask, instance: Path, test_config: dict[str, Any] | None) -> None:
    try:
        app.config.update(load_config(instance))
    except ConfigError as error:
        # A clear sentence, not a stack trace: the fix is in the environment, not the code.
        raise SystemExit(f"Facilitator cannot start: {error}") from None
    if test_config:
        app.config.update(test_config)


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.session_protection = None  # the server-side session is the protection
    register_i18n(app)
    register_labels(app)
    # The prompt library finds staff's own prompts ("custom-<id>") in this app's database.
    use_custom_prompts(app, lambda key: custom_prompts.resolve(db.session, key))


def _register_blueprints(app: Flask) -> None:
    register_converters(app)  # first: every <int:...> in a rule is then a database id
    register_blueprints(app)


def _register_hooks(app: Flask) -> None:
    register_observability(app)  # first: the request id is set before any other hook logs
    install_text_cleaning(app)
    register_security(app)
    register_error_handlers(app)
    register_static_cache(app)
