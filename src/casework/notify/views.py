"""The notifications page: the caller's reminders, marked read one by one (htmx)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from casework.errors import NotFound
from casework.extensions import db, htmx
from casework.notify import services

bp = Blueprint("notify", __name__)


@bp.route("/notifications")
@login_required
def index():
    """The caller's notifications, newest first; ``?unread=true`` only the unread."""
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    found = services.notifications_of(current_user, unread=unread)
    return render_template("notify/index.html", notifications=found, unread=unread,
                           kind_labels=services.KIND_LABELS)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    """Mark one of the caller's notifications read: the row again for htmx, else the page."""
    try:
        found = services.mark_read(current_user, notification_id)
    except NotFound:
        abort(404)
    db.session.commit()
    if htmx and not htmx.boosted:
        response = render_template("notify/_item.html", n=found,
                                   kind_labels=services.KIND_LABELS, oob_count=True)
        return response
    return redirect(url_for("notify.index"))
