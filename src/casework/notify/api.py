"""JSON API for notifications: the caller's own, and marking one read."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import fields

from casework.api_base import Blueprint
from casework.auth.roles import ROLES
from casework.extensions import db
from casework.notify import services
from casework.notify.models import NOTIFICATION_KINDS
from casework.validation import Schema

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1/notifications",
                description="The caller's reminders: deadlines, waiting steps, proposals")


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": ", ".join(NOTIFICATION_KINDS)})
    title = fields.String()
    subject = fields.String(metadata={"description": "the record: a number for a person, "
                                                     "never a name"})
    url = fields.String(metadata={"description": "the record's page"})
    due = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


@blp.route("")
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationSchema(many=True))
def list_notifications(args):
    """The caller's notifications, newest first; `unread=true` only the unread."""
    return services.notifications_of(current_user, unread=args["unread"])


@blp.route("/<int:notification_id>/read", methods=["POST"], roles=ROLES)
@blp.response(200, NotificationSchema)
def read_notification(notification_id):
    """Mark one of the caller's notifications read; anyone else's is 404."""
    found = services.mark_read(current_user, notification_id)
    db.session.commit()
    return found
