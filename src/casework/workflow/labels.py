"""Bilingual labels written in the definitions (Vietnamese first, English second)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_app_context

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
