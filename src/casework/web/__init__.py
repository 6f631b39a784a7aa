"""What every page shares: the layout's helpers, the overview and "my work" pages, the request
boundary, errors, security headers and logs. web stands on workflow, audit, auth and orgunits;
features stand on web."""

from __future__ import annotations

from casework.web import views


def init_app(app) -> None:
    """Register the overview, "my work" and the language switch."""
    app.register_blueprint(views.bp)
