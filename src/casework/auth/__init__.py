"""Users, roles, org-unit scope, sign-in, API tokens and the administrators' screens.

auth stands on orgunits (a scope is a set of org-unit subtrees) and audit; every feature stands
on auth. The org-unit tree is administered here (``admin_api``), beside the users
(``admin_views``), so that orgunits never imports auth.
"""

from __future__ import annotations

from casework.auth import admin_api, admin_views, api, users_api, views
from casework.extensions import register_api


def init_app(app) -> None:
    """Register the sign-in pages, the user administration and their JSON API."""
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    register_api(api.blp)
    register_api(admin_api.blp)
    register_api(users_api.blp)
