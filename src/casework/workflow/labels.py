"""Bilingual labels written in the definitions (Vietnamese first, English second), and the
labels of the data fields of events, which features register (people/forms.py, ...) so that
pages and the engine's messages name a field as the user sees it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_app_context
from flask_babel import lazy_gettext as _l

DEFAULT_LANGUAGE = "vi"


def current_language() -> str:
    """The user's language when there is an app, else Vietnamese."""
    if not has_app_context():
        return DEFAULT_LANGUAGE
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Label:
    vi: str
    en: str

    def get(self, language: str | None = None) -> str:
        language = language or current_language()
        return self.en if language == "en" else self.vi

    def __str__(self) -> str:
        return self.get()

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


# The labels of data fields and of coded values: features register theirs.
FIELD_LABELS: dict[str, object] = {
    "effective_at": _l("When it happened"),
}
CHOICE_LABELS: dict[str, object] = {}


def register_labels(fields: dict | None = None, choices: dict | None = None) -> None:
    FIELD_LABELS.update(fields or {})
    CHOICE_LABELS.update(choices or {})


def field_label(name: str) -> str:
    """The label of a data field in the user's language (the code, spaced, when it has none)."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")
