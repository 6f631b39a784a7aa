"""The periodic tasks of ``casework worker``, in one place.

Each runs in an app context at its ``cron`` time (UTC: Vietnam is UTC+7, so ``30 17 * * *``
is 00:30 in Hà Nội), once however many workers run (Procrastinate records each deferral).
With ``CASEWORK_JOBS=inline`` (SQLite) there is no worker: cron runs the same commands
(README, "Jobs"). To add one, append a ``Periodic`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from procrastinate import RetryStrategy


@dataclass(frozen=True)
class Periodic:
    name: str                 # the task's name is casework.periodic.<name>
    cron: str                 # five fields (or six, with seconds), in UTC
    run: Callable[[], str]    # called in an app context; a line for the log, no personal data
    retries: RetryStrategy | None = None
    command: str = ""         # the same work from the command line (cron, inline mode)


def anchor_audit() -> str:
    """``casework audit anchor``: sign the head of every audit chain."""
    from casework.audit.anchors import anchor
    from casework.audit.services import record_models

    result = anchor(record_models())
    return f"anchor {result.number}: {result.chains} chain(s), {result.moved} with a new head"


def notify_reminders() -> str:
    """``casework notify``: today's reminders and the daily e-mail digests."""
    from casework.notify.run import notify_daily

    return notify_daily()


PERIODIC: tuple[Periodic, ...] = (
    # Daily at 00:30 in Vietnam; a failure (the instance folder unwritable, the database
    # away) is tried again 3 times, 10 minutes apart.
    Periodic("audit_anchor", "30 17 * * *", anchor_audit,
             retries=RetryStrategy(max_attempts=3, wait=600), command="casework audit anchor"),
    # Daily at 07:00 in Vietnam, before the working day; a digest that could not be sent is
    # tried again 3 times, 15 minutes apart (one already sent today is never sent again).
    Periodic("notify", "0 0 * * *", notify_reminders,
             retries=RetryStrategy(max_attempts=3, wait=900), command="casework notify"),
)
