"""Globals and filters for Jinja templates."""

from __future__ import annotations

from flask import current_app
from flask_babel import format_date, format_datetime, get_locale

from casework.auth.roles import role_label
from casework.orgunits.models import KIND_LABELS
from casework.web import numbers, redaction
from casework.web.fields import error_lines, field_label, field_value, messages_of
from casework.web.nav import nav_for_current_user

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def init_templating(app) -> None:
    @app.context_processor
    def inject():
        return {
            "nav_items": nav_for_current_user,
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
            "kind_labels": KIND_LABELS,
        }

    app.jinja_env.filters["role_label"] = role_label
    # Day/month/year, as dates are written in Vietnam (and readable in English).
    app.jinja_env.filters["date"] = lambda v: format_date(v, "dd/MM/yyyy") if v else ""
    app.jinja_env.filters["datetime"] = (
        lambda v: format_datetime(v, "HH:mm dd/MM/yyyy") if v else "")
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.filters["field_value"] = field_value
    app.jinja_env.globals["error_lines"] = error_lines
    app.jinja_env.filters["messages"] = messages_of
    redaction.init_app(app)
    numbers.init_app(app)

    @app.after_request
    def vary_on_htmx(response):
        # One URL may serve a page or an htmx fragment; caches must keep them apart.
        response.vary.add("HX-Request")
        return response
