"""Plans, their phases and targets, the figures (metrics) that measure the targets, and the
six-month and annual reports. Importing the package registers the metrics (``metrics``)."""

from __future__ import annotations

from casework.extensions import register_api
from casework.plans import api, metrics, views  # noqa: F401 - metrics register


def init_app(app) -> None:
    """Register the plan and report pages and their JSON API."""
    app.register_blueprint(views.bp)
    app.register_blueprint(views.reports_bp)
    register_api(api.blp)
    register_api(api.reports_blp)
