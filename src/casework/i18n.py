"""Language selection: Vietnamese first, English second."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # API clients may ask with Accept-Language; pages stay Vietnamese until switched.
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]
