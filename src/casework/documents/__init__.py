"""Official documents (INTERFACES.md, "Documents"): a decision in a person's history filled
into its form (Mẫu 07, 24, 51, the monitoring decision) and downloaded as a .docx."""

from __future__ import annotations

from casework.documents import api, services, views
from casework.extensions import register_api


def init_app(app) -> None:
    """Register the document download on the pages and in the JSON API."""
    app.register_blueprint(views.bp)
    register_api(api.blp)
    # The person page's history links each decision that has a form to its document.
    app.jinja_env.globals["document_form"] = services.form_for
