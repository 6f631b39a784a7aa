"""Settings, read from the environment (INTERFACES.md, "Environment")."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from casework.instance import (
    SECRET_KEY_FILE,
    check_not_published,
    ensure_instance_folder,
    read_or_create_key,
)


def _secret_key(instance_path: Path) -> str:
    """Use CASEWORK_SECRET_KEY, else a key generated once and kept in the instance folder."""
    from_env = os.environ.get("CASEWORK_SECRET_KEY")
    if from_env:
        return check_not_published(from_env, "CASEWORK_SECRET_KEY")
    key_file = instance_path / SECRET_KEY_FILE
    return check_not_published(read_or_create_key(key_file), str(key_file))


def _normalise_db_url(url: str) -> str:
    # PostgreSQL always goes through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _proxy_count() -> int:
    value = os.environ.get("CASEWORK_PROXY_COUNT", "").strip() or "0"
    if not value.isdigit():
        raise ValueError(f"CASEWORK_PROXY_COUNT must be a whole number, not {value!r}")
    return int(value)


JOB_MODES = ("inline", "queue")


def _jobs_mode() -> str | None:
    """CASEWORK_JOBS: inline or queue; unset, the database decides (casework.jobs.runner.mode:
    queue on PostgreSQL, inline on SQLite)."""
    value = os.environ.get("CASEWORK_JOBS", "").strip().lower()
    if value and value not in JOB_MODES:
        raise ValueError(f"CASEWORK_JOBS must be inline or queue, not {value!r}")
    return value or None


# The largest request body: above the 10 MB attachment limit, with room for the form around it.
DEFAULT_MAX_REQUEST_MB = 12


def _max_request_bytes() -> int:
    value = os.environ.get("CASEWORK_MAX_REQUEST_MB", "").strip()
    megabytes = float(value) if value else DEFAULT_MAX_REQUEST_MB
    if megabytes <= 0:
        raise ValueError("CASEWORK_MAX_REQUEST_MB must be a positive number of megabytes")
    return int(megabytes * 1024 * 1024)


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping for an app whose instance folder is ``instance_path``."""
    ensure_instance_folder(instance_path)
    db_url = os.environ.get("CASEWORK_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'casework.db'}"
    )
    secure_cookies = os.environ.get("CASEWORK_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        # Behind HTTPS in production, cookies must never travel over plain HTTP.
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SQLALCHEMY_DATABASE_URI": _normalise_db_url(db_url),
        # The key of the audit anchors' HMAC (audit.anchors); None: a key file in the instance
        # folder, made on the first `casework audit anchor`.
        "AUDIT_KEY": os.environ.get("CASEWORK_AUDIT_KEY") or None,
        # Row values never appear in SQLAlchemy's error messages (and so in the logs).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,  # valid for the session's life
        # Larger bodies are refused with 413 before they are read (web.boundary).
        "MAX_CONTENT_LENGTH": _max_request_bytes(),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        # Login throttling: after this many failures in a row the account waits.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        # Failed sign-ins allowed per client address (web.security); the counts live in
        # memory, or in a shared store such as redis://host:6379 for several workers.
        "LOGIN_RATE_LIMIT": os.environ.get("CASEWORK_LOGIN_RATE_LIMIT") or "10 per minute",
        "RATELIMIT_STORAGE_URI": os.environ.get("CASEWORK_RATELIMIT_STORAGE_URL") or "memory://",
        "RATELIMIT_ENABLED": True,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
        "PROXY_COUNT": _proxy_count(),
        # How long work runs (casework.jobs): in the request, or queued for `casework worker`.
        "JOBS": _jobs_mode(),
        # Reminders (casework.notify): the daily e-mail digest goes out through this server
        # (smtp://user:pass@host:port or smtps://; None: in-app notifications only), from
        # MAIL_FROM, its links under BASE_URL (the address users open the app at).
        "SMTP_URL": os.environ.get("CASEWORK_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("CASEWORK_MAIL_FROM") or "casework@localhost",
        "BASE_URL": os.environ.get("CASEWORK_BASE_URL") or "http://127.0.0.1:5000",
        # Passwords: at least this zxcvbn score (0-4) besides MIN_PASSWORD_LENGTH characters.
        "PASSWORD_MIN_SCORE": 3,
        # API bearer tokens.
        "API_TOKEN_HOURS": 12,
        # flask-smorest / OpenAPI
        "API_TITLE": "casework API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",  # vendored, never a CDN
    }
