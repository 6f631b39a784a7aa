"""Phrases: evidence sentences by the thousand, each message translated once, shown as the lazy
strings they replace would have been."""

from __future__ import annotations

from datetime import date

from flask import render_template_string
from flask_babel import gettext

from casework import i18n
from casework.i18n import N_, Phrases

MESSAGE = N_("%(state)s since %(since)s; the deadline was %(due)s.")


def _count_translations(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = i18n.gettext
    monkeypatch.setattr(i18n, "gettext", lambda message: calls.append(message) or real(message))
    return calls


def test_a_message_is_translated_once_when_first_shown(app, monkeypatch):
    calls = _count_translations(monkeypatch)
    with app.test_request_context("/"):
        phrase = Phrases()
        details = [phrase(MESSAGE, state="Dương tính", since=date(2026, 1, 2),
                          due=date(2026, 1, 10 + i)) for i in range(3)]
        assert calls == []  # a page of counts shows none: nothing is translated
        shown = [str(d) for d in details]
        assert calls == [MESSAGE]
        # As the lazy string with the dates already shown would have read.
        assert shown == [gettext(MESSAGE, state="Dương tính", since="02/01/2026",
                                 due=f"{10 + i:02d}/01/2026") for i in range(3)]
        assert shown[0] != MESSAGE % {"state": "Dương tính", "since": "02/01/2026",
                                      "due": "10/01/2026"}  # Vietnamese, not the msgid
        assert "hạn" in shown[0]


def test_english_readers_get_english(app):
    with app.test_request_context("/api/v1/areas", headers={"Accept-Language": "en"}):
        detail = Phrases()(MESSAGE, state="Positive", since=date(2026, 1, 2),
                           due=date(2026, 1, 10))
        assert str(detail) == "Positive since 02/01/2026; the deadline was 10/01/2026."


def test_a_detail_reads_as_its_text(app):
    with app.test_request_context("/api/v1/areas", headers={"Accept-Language": "en"}):
        detail = Phrases()(N_("No hotline board (checked %(date)s)."), date=date(2026, 3, 4))
        text = "No hotline board (checked 04/03/2026)."
        assert detail == text and hash(detail) == hash(text)
        assert "04/03/2026" in detail and detail.startswith("No hotline")
        assert detail != "No hotline board (checked 05/03/2026)."


def test_a_detail_is_escaped_in_pages(app):
    with app.test_request_context("/"):
        detail = Phrases()(MESSAGE, state="<b>x</b>", since=date(2026, 1, 2),
                           due=date(2026, 1, 10))
        assert "&lt;b&gt;x&lt;/b&gt;" in render_template_string("{{ d }}", d=detail)
