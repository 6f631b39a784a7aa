"""The overview page and the language switch."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user, login_required

from casework.auth.redirects import safe_local_url
from casework.auth.scope import current_scope, scoped
from casework.extensions import db
from casework.orgunits.models import KINDS, OrgUnit
from casework.web.work import work_for
from casework.workflow.deadlines import today_local

bp = Blueprint("web", __name__)


@bp.route("/")
@login_required
def home():
    scope = current_scope()
    rows = db.session.execute(
        scoped(sa.select(OrgUnit.kind, sa.func.count()), OrgUnit.id, scope).group_by(OrgUnit.kind)
    ).all()
    counts = dict(rows)
    unit_counts = [(kind, counts[kind]) for kind in KINDS if counts.get(kind)]
    return render_template("web/home.html", unit_counts=unit_counts)


@bp.route("/my-work")
@login_required
def my_work():
    """What waits for the signed-in user's roles in their area, most urgent first."""
    today = today_local()
    items = work_for(current_user, current_scope(), today)
    return render_template("web/my_work.html", items=items, today=today)


@bp.route("/lang", methods=["POST"])
def set_language():
    """Switch the interface language for this browser session."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_local_url(request.form.get("next")))


@bp.route("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
