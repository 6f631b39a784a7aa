"""Person records: drug tests, assessments, management and rehabilitation (WORKFLOWS.md §1–3).

Importing the package registers what the person workflow's definitions name: the rules and
effects (``rules``, ``dossier``) and the persons' part of "my work" (``work``).
"""

from __future__ import annotations

from casework.extensions import register_api
from casework.people import (  # noqa: F401 - they register
    api,
    dossier,
    law120,
    monitoring,
    rules,
    views,
    work,
)


def init_app(app) -> None:
    """Register the person pages and the persons' JSON API."""
    app.register_blueprint(views.bp)
    register_api(api.blp)
