"""Start-up of the workflow engine: load and check the definitions, then the web parts."""

from __future__ import annotations

from pathlib import Path

from casework.resources import resource_dir


def init_app(app) -> None:
    """Refuses to start (DefinitionError) when any definition has a problem."""
    from casework.extensions import api, csrf
    from casework.workflow import catalog as catalog_module
    from casework.workflow.api import blp as workflows_api
    from casework.workflow.templating import init_templating
    from casework.workflow.views import bp as workflows_bp

    directory = Path(app.config.get("WORKFLOWS_DIR") or resource_dir("workflows"))
    catalog_module.init_app(app, directory)
    app.register_blueprint(workflows_bp)
    csrf.exempt(workflows_api)  # the API checks CSRF itself (auth.setup)
    api.register_blueprint(workflows_api)
    init_templating(app)
