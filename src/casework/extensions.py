"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from casework.api_base import CaseworkApi
from casework.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
api = CaseworkApi()


def register_api(blueprint) -> None:
    """Add a JSON API blueprint. The API checks CSRF itself, only for callers signed in with
    the session cookie (auth.setup), so the form CSRF check is off for it."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)
