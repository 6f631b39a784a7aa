"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from casework.auth import services
from casework.auth.forms import LoginForm
from casework.auth.redirects import safe_local_url
from casework.errors import TooManyAttempts, Unauthenticated
from casework.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.my_work"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except (Unauthenticated, TooManyAttempts) as exc:
            db.session.commit()  # count the failure
            form.form_errors.append(str(exc.message))
            status = exc.status if isinstance(exc, TooManyAttempts) else 401
        else:
            services.start_session(user)
            db.session.commit()
            login_user(user)
            return redirect(safe_local_url(request.args.get("next"), "web.my_work"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session on the server too: a copy of the cookie no longer signs anyone in."""
    services.end_session(current_user.login_key, "logout")
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
