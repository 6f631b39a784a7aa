"""The document download from the person page's history (a signed-in session)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from casework.auth.scope import current_scope
from casework.documents import services
from casework.extensions import db

bp = Blueprint("documents", __name__, url_prefix="/persons")


@bp.route("/<int:person_id>/documents/<int:seq>")
@login_required
def person_document(person_id, seq):
    """Fill the form, log the download (committed before the file is sent), send it."""
    content, filename = services.person_document(
        person_id, seq, current_user._get_current_object(), current_scope())
    db.session.commit()
    return services.send_document(content, filename)
