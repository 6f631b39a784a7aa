"""The daily e-mail digest, through a real SMTP conversation with a local sink."""

from __future__ import annotations

import smtplib

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.notify.digest import parse_smtp_url, send_digests
from casework.notify.models import DigestSent, Notification
from casework.notify.run import notify
from casework.notify.services import create_due
from casework.workflow.deadlines import end_of_day, today_local
from tests.clock import frozen_at

THURSDAY = "2026-12-31T03:00:00Z"


@pytest.fixture
def due_today(open_record, make_user):
    """A health officer with an address, and a person (named) whose drug test is due today."""
    with frozen_at(THURSDAY):
        officer = make_user("health1", ("health", "W1"))
        officer.email = "health1@example.vn"
        person = open_record("person", unit="G11", full_name="Lò Văn Bí")
        person.due_date = today_local()
        person.due_at = end_of_day(person.due_date)
        db.session.commit()
    return officer, person


def test_one_digest_in_vietnamese_plain_and_html(smtp_sink, due_today, make_user):
    officer, person = due_today
    make_user("health2", ("health", "W1"))  # no address: in-app only
    with frozen_at(THURSDAY):
        result = notify()
    assert (result.created.notifications, result.sent.digests) == (2, 1)
    (message,) = smtp_sink.messages
    assert smtp_sink.envelopes[0][1] == ["health1@example.vn"]
    assert message["To"] == "health1@example.vn"
    assert message["Subject"] == "[casework] 1 thông báo mới, ngày 31/12/2026"
    assert "Lò" not in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://casework.example.vn/persons/{person.id}"
    assert "Các nhắc việc ngày 31/12/2026:" in text
    assert "Sắp đến hạn: Nhập kết quả xét nghiệm" in text or "Sắp đến hạn:" in text
    assert link in text and f'href="{link}"' in html
    assert f"Hồ sơ số {person.id}" in text and "hạn 31/12/2026" in text
    assert "https://casework.example.vn/notifications" in text
    for part in (text, html):
        assert "Lò Văn Bí" not in part and "Lò" not in part
    emailed = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == officer.id)).all()
    assert all(n.emailed_at is not None for n in emailed)


def test_never_twice_a_day(smtp_sink, due_today, open_record):
    with frozen_at(THURSDAY):
        assert notify().sent.digests == 1
        person = open_record("person", unit="G12")  # a new reminder the same day
        person.due_date = today_local()
        person.due_at = end_of_day(person.due_date)
        db.session.commit()
        again = notify()
    assert (again.created.notifications, again.sent.digests) == (1, 0)
    assert len(smtp_sink.messages) == 1
    with frozen_at("2027-01-01T03:00:00Z"):  # the next day: the one not yet sent, and the
        assert notify().sent.digests == 1     # two deadlines now overdue
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.messages[1]["Subject"] == "[casework] 3 thông báo mới, ngày 01/01/2027"


def test_read_notifications_are_not_mailed(smtp_sink, due_today):
    officer, _ = due_today
    with frozen_at(THURSDAY):
        create_due(today_local())
        for note in db.session.scalars(sa.select(Notification)):
            note.read_at = note.created_at
        db.session.commit()
        assert send_digests(today_local()).digests == 0
    assert smtp_sink.messages == []


def test_dry_run_sends_and_stores_nothing(smtp_sink, due_today):
    with frozen_at(THURSDAY):
        result = notify(dry_run=True)
    assert (result.created.notifications, result.sent.digests) == (1, 1)
    assert "would create 1 notification(s) for 1 user(s) (due_soon 1); would send 1" in (
        result.line())
    assert smtp_sink.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSent)) == 0


def test_without_smtp_url_nothing_is_sent(app, due_today, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    with frozen_at(THURSDAY):
        result = notify()
    assert (result.created.notifications, result.sent.digests) == (1, 0)


def test_a_server_that_is_away_leaves_the_digest_for_the_next_run(app, due_today,
                                                                    monkeypatch):
    from tests.notify.conftest import _free_port

    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")
    with frozen_at(THURSDAY):
        result = notify()
    assert (result.sent.digests, result.sent.failed) == (0, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSent)) == 0
    assert all(n.emailed_at is None for n in db.session.scalars(sa.select(Notification)))


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.vn", ("mail.example.vn", 25, False, None, None)),
    ("smtp://u%40x:p%3Aw@mail.example.vn:587", ("mail.example.vn", 587, False, "u@x", "p:w")),
    ("smtps://u:p@mail.example.vn", ("mail.example.vn", 465, True, "u", "p")),
])
def test_smtp_urls(url, expected):
    s = parse_smtp_url(url)
    assert (s.host, s.port, s.tls, s.username, s.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.vn", "smtp://", "mail.example.vn:25"])
def test_bad_smtp_urls(url):
    with pytest.raises(ValueError, match="CASEWORK_SMTP_URL"):
        parse_smtp_url(url)


def test_a_login_is_made_when_the_url_has_one(app, due_today, monkeypatch):
    logins = []

    class Recording(smtplib.SMTP):
        def login(self, user, password, **kwargs):
            logins.append((user, password))

        def send_message(self, *args, **kwargs):
            return {}

    monkeypatch.setattr(smtplib, "SMTP", Recording)
    from aiosmtpd.controller import Controller

    from tests.notify.conftest import Sink, _free_port

    port = _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://officer:s%40fe@127.0.0.1:{port}")
        with frozen_at(THURSDAY):
            assert notify().sent.digests == 1
    finally:
        controller.stop()
    assert logins == [("officer", "s@fe")]
