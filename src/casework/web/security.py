"""Security headers and the sign-in rate limit, in one place (ARCHITECTURE.md).

Every response gets:

- ``Content-Security-Policy``: scripts, styles, images, fonts and requests from this site only;
  no inline scripts, no inline styles, no plugins, no framing. A page that draws Mermaid
  diagrams calls :func:`allow_inline_styles` (the ``diagram_scripts()`` macro does): Mermaid
  writes ``<style>`` elements and ``style`` attributes into the SVG it draws, so that page's
  policy also allows inline *styles* (never inline scripts).
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin``.
- ``Cache-Control: no-store`` unless it is a static file: pages, fragments, JSON answers and
  downloads may hold personal data, which must not stay in a browser's or a proxy's cache.
- ``Strict-Transport-Security`` when cookies are HTTPS-only (``CASEWORK_SECURE_COOKIES``).

Sign-in (``POST /login`` and ``POST /api/v1/auth/token``) is limited per client address:
``LOGIN_RATE_LIMIT`` failed attempts (default 10 per minute); more answer 429
``too_many_attempts`` with ``Retry-After``. The per-account lock of ``auth.services`` comes on
top of it.
"""

from __future__ import annotations

import time

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.errors import TooManyAttempts

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # data: for the empty favicon and Swagger UI's icons.
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS = "max-age=31536000"

# The endpoints whose POSTs are sign-in attempts.
SIGN_IN_ENDPOINTS = ("auth.login", "auth_api.create_token")

def allow_inline_styles() -> str:
    """Let this page's policy allow inline styles (for Mermaid diagrams); call it while
    rendering. Returns "" so a template may call it in an expression."""
    g.csp_inline_styles = True
    return ""


def content_security_policy() -> str:
    policy = dict(CONTENT_SECURITY_POLICY)
    if g.get("csp_inline_styles"):
        policy["style-src"] += " 'unsafe-inline'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def set_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = HSTS
    return response


# --- the sign-in rate limit ---------------------------------------------------------------------


def _failed(response) -> bool:
    """Count an attempt that did not sign in (wrong password, locked account, bad form), but
    not one this limit refused itself."""
    return response.status_code >= 400 and not g.get("sign_in_limited")


def _too_many(limit: RequestLimit):
    g.sign_in_limited = True
    seconds = max(1, int(limit.reset_at - time.time()))
    raise TooManyAttempts(
        _l("Too many failed sign-in attempts from this computer. Wait a few minutes, then "
           "try again."),
        retry_after_seconds=seconds,
    )


def _sign_in_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def init_rate_limit(app) -> Limiter:
    """One limiter per app, with the sign-in limit on the sign-in endpoints' POSTs."""
    limiter = Limiter(key_func=get_remote_address, strategy="moving-window",
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    if not limiter.enabled:  # RATELIMIT_ENABLED off (a test, or a proxy that limits)
        return limiter
    for endpoint in SIGN_IN_ENDPOINTS:
        # The limit is checked by the wrapper limiter.limit returns: it replaces the view.
        app.view_functions[endpoint] = limiter.limit(
            _sign_in_limit, methods=["POST"], deduct_when=_failed, on_breach=_too_many,
        )(app.view_functions[endpoint])
    return limiter


def reset_rate_limits(app) -> None:
    """Forget every counted attempt (tests; or an administrator after an incident)."""
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()


def init_security(app) -> None:
    """Register the headers and the sign-in limit (after the blueprints are registered).

    With ``PROXY_COUNT`` reverse proxies in front (``CASEWORK_PROXY_COUNT``), the client's
    address and scheme are read from their ``X-Forwarded-For`` and ``X-Forwarded-Proto``.
    """
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    init_rate_limit(app)
    app.jinja_env.globals["allow_inline_styles"] = allow_inline_styles
    app.after_request(set_security_headers)
