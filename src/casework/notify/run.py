"""``casework notify`` as one function, for the command and the worker's daily task."""

from __future__ import annotations

from dataclasses import dataclass

from casework.db import today_local
from casework.notify.digest import Sent, send_digests
from casework.notify.services import Created, create_due


@dataclass(frozen=True)
class NotifyRun:
    created: Created
    sent: Sent
    dry_run: bool

    def line(self) -> str:
        """A line for the log: counts only, no personal data."""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.created.by_kind.items()))
        verb = "would create" if self.dry_run else "created"
        mail = "would send" if self.dry_run else "sent"
        text = (f"notify: {verb} {self.created.notifications} notification(s) for "
                f"{self.created.users} user(s)" + (f" ({kinds})" if kinds else "")
                + f"; {mail} {self.sent.digests} digest(s)")
        if self.sent.failed:
            text += f"; {self.sent.failed} digest(s) failed"
        return text


def notify(*, dry_run: bool = False) -> NotifyRun:
    """Create today's reminders, then send the digests (when CASEWORK_SMTP_URL is set)."""
    today = today_local()
    created = create_due(today, dry_run=dry_run)
    sent = send_digests(today, dry_run=dry_run, would_have=frozenset(created.user_ids))
    return NotifyRun(created, sent, dry_run)


def notify_daily() -> str:
    """The worker's daily task (casework.jobs.periodic)."""
    result = notify()
    if result.sent.failed:
        raise RuntimeError(result.line())  # tried again by the task's retry strategy
    return result.line()
