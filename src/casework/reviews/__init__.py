"""The annual review of communes under QĐ 28/2025 (WORKFLOWS.md §9): the commune police
prepare it, the commune chair approves, the provincial People's Committee approves; and the
province's workbook.

Reviews stand on areas: importing the package registers the workflow's rules and effects
(``rules``) and the reviews waiting in "my work" (``work``); ``init_app`` registers the pages,
the JSON API, and tells ``areas.qd28`` what the approved reviews set (areas never imports
reviews).
"""

from __future__ import annotations

from casework.areas import qd28
from casework.extensions import register_api
from casework.reviews import api, rules, services, views, work  # noqa: F401


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    register_api(api.blp)
    register_api(api.report_blp)
    if services.approved_classification not in qd28.APPROVED_SOURCES:
        qd28.APPROVED_SOURCES.append(services.approved_classification)
    qd28.APPROVED_MANY[services.approved_classification] = services.approved_classifications
