"""Areas: their facts, hotspots and the 8 criteria, and the area and hotspot workflows.

Importing the package registers the area workflow's rules and effects (``rules``) and the
areas' part of "my work" (``work``).
"""

from __future__ import annotations

from casework.areas import (  # noqa: F401 - they register
    api,
    lai_chau,
    qd28,
    qd28_measures,
    rules,
    views,
    work,
)
from casework.extensions import register_api


def init_app(app) -> None:
    """Register the area pages, the dashboard and the areas' JSON API."""
    app.register_blueprint(views.bp)
    register_api(api.blp)
