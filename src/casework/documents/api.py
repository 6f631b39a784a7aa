"""JSON API of official documents: the .docx of a decision in a person's history."""

from __future__ import annotations

from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth.scope import current_scope
from casework.documents import services
from casework.extensions import db

blp = Blueprint("documents_api", __name__, url_prefix="/api/v1/persons",
                description="Official documents of a person's decisions (Mẫu 07, 24, 51)")


@blp.route("/<int:person_id>/documents/<int:seq>")
@blp.response(200, content_type=services.DOCX_MIMETYPE)
def person_document(person_id, seq):
    """The official form of the decision history entry `seq` records, filled in, as a Word
    file: Mẫu 07 (`decide_management`), Mẫu 24 (`register_voluntary_rehab`), Mẫu 51 (the
    entry that entered `post_rehab`), the monitoring decision (`order_monitoring`, a
    provisional layout). 404 for an entry without a form, 403 for a reader who does not work
    the case. Each download is logged as an export."""
    content, filename = services.person_document(
        person_id, seq, current_user._get_current_object(), current_scope())
    db.session.commit()
    return services.send_document(content, filename)
