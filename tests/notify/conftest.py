"""Fixtures for notifications: a local SMTP sink (aiosmtpd on a free port, a real SMTP
conversation) and helpers to read a user's notifications."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from casework.auth.models import User
from casework.extensions import db
from casework.notify.models import Notification

# The fixtures of other features the reminders are made from.
from tests.areas.conftest import *  # noqa: E402, F403 - areas (ready_area)
from tests.people.conftest import team  # noqa: E402, F401 - persons through the API
from tests.recognition.conftest import chain  # noqa: E402, F401 - a request's steps
from tests.workflow.conftest import actor, open_record, reach, records  # noqa: E402, F401


class Sink:
    """Keeps every message the server accepted, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """A running SMTP server on 127.0.0.1; CASEWORK_SMTP_URL (SMTP_URL) points at it."""
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "BASE_URL", "https://casework.example.vn")
    try:
        yield sink
    finally:
        controller.stop()


def notes_of(username: str) -> list[Notification]:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def kinds_of(username: str) -> list[str]:
    return sorted(n.kind for n in notes_of(username))
