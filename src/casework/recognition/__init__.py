"""Recognition requests: the chain from a commune's request to the city's decision.

Recognition stands on areas: importing the package registers the chain's rules, effects and
data schemas (``rules``, ``schemas``) and the requests waiting in "my work" (``work``), and
``init_app`` tells areas how to find the requests its pages show.
"""

from __future__ import annotations

from casework.areas.services import register_request_finder
from casework.extensions import register_api
from casework.recognition import api, rules, schemas, services, views, work  # noqa: F401


def init_app(app) -> None:
    """Register the request pages and JSON API, and the area pages' view of requests."""
    app.register_blueprint(views.bp)
    register_api(api.blp)
    register_request_finder(services.AreaRequests)
