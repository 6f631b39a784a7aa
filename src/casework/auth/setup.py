"""Wire Flask-Login: session users for pages, bearer tokens for the API."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.auth import services
from casework.auth.models import User
from casework.errors import Unauthenticated
from casework.extensions import csrf, db, login_manager

# API endpoints anyone may call.
PUBLIC_API_ENDPOINTS = frozenset({
    "auth_api.create_token",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
})
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _load_session_user(key: str) -> User | None:
    # None once the session ended (signed out, password changed, account disabled) or
    # expired: a copied cookie is refused like any other.
    return services.user_for_session(key)


def _touch_session():
    """Keep the signed-in session's last_seen_at roughly up to date (a few writes an hour)."""
    if request.endpoint == "static":
        return
    key = getattr(current_user, "login_key", None) if current_user.is_authenticated else None
    if key and services.touch_session(key):
        db.session.commit()  # before the view runs: nothing else is in the transaction yet


def _load_bearer_user(req) -> User | None:
    if not req.path.startswith("/api/"):
        return None  # pages use the session cookie only
    header = req.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(_l("Use the header Authorization: Bearer <token>."))
    user = services.user_for_token(token.strip())
    g.auth_via_token = True
    return user


def _unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthenticated()
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _guard_api():
    """Every API call is authenticated; session-authenticated writes also need CSRF."""
    if not request.path.startswith("/api/") or request.endpoint in PUBLIC_API_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        raise Unauthenticated()
    if request.method in _UNSAFE_METHODS and not g.get("auth_via_token"):
        csrf.protect()
    return None


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_session_user)
    login_manager.request_loader(_load_bearer_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_guard_api)
    app.before_request(_touch_session)
