"""Language selection: Vietnamese first, English second."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_request_context, request, session
from flask_babel import gettext

from casework.typed_dates import shown_day


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


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark ``message`` for translation without translating it here."""
    return message


class Phrases:
    """Sentences made by the thousand from a few messages, each message translated once.

    A province's criteria write ~15,000 evidence details from a handful of messages; a lazy
    string per detail looked the request's translations up for each one (issue 16: a fifth
    of the criteria API at national scale). The locale does not change within a request or a
    job, so a message is translated when its first sentence is shown and kept here. Make one
    per evaluation, not per process.
    """

    __slots__ = ("_texts",)

    def __init__(self):
        self._texts: dict[str, str] = {}

    def __call__(self, message: str, **values) -> Detail:
        """A detail: ``message`` (a msgid marked with ``N_``) filled with ``values`` when
        shown, a date as dd/mm/yyyy."""
        return Detail(self, message, values)

    def text(self, message: str) -> str:
        found = self._texts.get(message)
        if found is None:
            found = self._texts[message] = gettext(message)
        return found


class Detail:
    """One sentence of ``Phrases``, formatted when shown (a page of counts shows none); it
    compares and hashes as its text, like a lazy string."""

    __slots__ = ("_phrases", "_message", "_values")

    def __init__(self, phrases: Phrases, message: str, values: dict):
        self._phrases, self._message, self._values = phrases, message, values

    def __str__(self) -> str:
        return self._phrases.text(self._message) % {
            k: shown_day(v) if isinstance(v, date) else v for k, v in self._values.items()}

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __getattr__(self, name: str):  # the string's methods (startswith, ...), as a lazy one
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
