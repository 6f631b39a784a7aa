"""Notifications and the e-mail digest (issue 17; INTERFACES.md, "Notifications").

- ``models``: notifications and the days digests went out; ``services``: which reminders are
  due (the "my work" items that need telling) and one user's notifications; ``digest``: the
  daily e-mail; ``run``: ``casework notify`` (the command and the worker's daily task);
  ``views`` / ``api``: the page and JSON; ``cli``: the command.
"""

from __future__ import annotations

from flask_login import current_user

from casework.extensions import register_api
from casework.notify import api, views


def init_app(app) -> None:
    """Register the page, the JSON API, and the header's unread count."""
    app.register_blueprint(views.bp)
    register_api(api.blp)

    @app.context_processor
    def unread_notifications():
        def count() -> int:  # called by the header only when it is drawn: one COUNT
            from casework.notify.services import unread_count

            if not current_user.is_authenticated:
                return 0
            return unread_count(current_user.id)

        return {"unread_notifications": count}
