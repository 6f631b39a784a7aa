"""Settings, read from the environment (INTERFACES.md, "Environment")."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Use CASEWORK_SECRET_KEY, else a key generated once and kept in the instance folder."""
    from_env = os.environ.get("CASEWORK_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # Create the file readable by its owner only; never overwrite an existing one.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _normalise_db_url(url: str) -> str:
    # PostgreSQL always goes through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


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
    instance_path.mkdir(parents=True, exist_ok=True)
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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
