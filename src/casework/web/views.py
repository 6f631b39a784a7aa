"""The overview page and the language switch."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user, login_required

from casework.auth.redirects import safe_local_url
from casework.auth.scope import current_scope, scoped
from casework.extensions import db
from casework.orgunits.models import KINDS, OrgUnit
from casework.web.work import WorkFilter, area_choices, work_lists
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


PER_GROUP = 10  # the rows under each task on the overview
PER_PAGE = 25   # the rows of one page of a single task


@bp.route("/my-work")
@login_required
def my_work():
    """What waits for the signed-in user's roles in their area: one group per task with its
    counts, the most urgent first, filtered by area and overdue; one task at a time is paged.
    Counting and paging happen in SQL (``casework.web.work``)."""
    today = today_local()
    scope = current_scope()
    areas = area_choices(scope)
    chosen = next((a for a in areas if a.code == request.args.get("area")), None)
    overdue = request.args.get("overdue") == "1"
    flt = WorkFilter(today, chosen.path if chosen else None, overdue)
    key = request.args.get("group")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = min(max(request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE, 1), 100)
    groups, per_area, total = [], Counter(), 0
    for wl in work_lists(current_user, scope, today):
        count, late = wl.counts(flt)
        per_area.update(wl.by_area(WorkFilter(today, None, overdue), areas))
        total += count
        if not count or (key and wl.key != key):
            continue
        shown = wl.page(flt, page, per_page) if key else wl.page(flt, 1, PER_GROUP)
        groups.append({"list": wl, "count": count, "late": late, "page": shown})
    # The group whose first deadline is the earliest first; undated groups last.
    groups.sort(key=lambda g: min((i.due for i in g["page"].items if i.due), default=date.max))
    return render_template(
        "web/my_work.html", groups=groups, today=today, total=total, group=key,
        areas=[(a, per_area[a.id]) for a in areas if per_area[a.id]], area=chosen,
        overdue=overdue, per_page=per_page if per_page != PER_PAGE else None)


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
