"""``casework notify [--dry-run]`` and the worker's daily task."""

from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import db
from casework.jobs.periodic import PERIODIC
from casework.notify.models import Notification
from casework.workflow.deadlines import end_of_day, today_local


def _due_today(open_record, make_user):
    make_user("health1", ("health", "W1")).email = "health1@example.vn"
    person = open_record("person", unit="G11")
    person.due_date = today_local()
    person.due_at = end_of_day(person.due_date)
    db.session.commit()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification))


def test_dry_run_then_run(app, open_record, make_user, smtp_sink):
    _due_today(open_record, make_user)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["notify", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 1 notification(s) for 1 user(s) (due_soon 1); would send 1" in dry.output
    assert _count() == 0 and smtp_sink.messages == []
    real = runner.invoke(args=["notify"])
    assert real.exit_code == 0, real.output
    assert "created 1 notification(s) for 1 user(s) (due_soon 1); sent 1 digest(s)" in real.output
    assert _count() == 1 and len(smtp_sink.messages) == 1
    assert "health1" not in real.output and "@" not in real.output  # no personal data


def test_a_bad_smtp_url_is_a_one_line_failure(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", "http://mail.example.vn")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 1
    assert "CASEWORK_SMTP_URL must be" in result.output


def test_an_unreachable_server_exits_1(app, open_record, make_user, monkeypatch):
    from tests.notify.conftest import _free_port

    _due_today(open_record, make_user)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 1
    assert "1 digest(s) could not be sent" in result.output
    assert _count() == 1  # the in-app notification stays


def test_notify_is_a_daily_periodic_task_of_the_worker(app, open_record, make_user, smtp_sink):
    (task,) = [p for p in PERIODIC if p.name == "notify"]
    assert task.cron == "0 0 * * *"  # 07:00 in Vietnam
    assert task.command == "casework notify" and task.retries is not None
    _due_today(open_record, make_user)
    line = task.run()
    assert line.startswith("notify: created 1 notification(s)")
    assert len(smtp_sink.messages) == 1
    assert task.run().endswith("sent 0 digest(s)")  # never twice a day
