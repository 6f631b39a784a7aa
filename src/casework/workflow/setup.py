"""Start-up of the workflow engine: load and check the definitions, then the web parts."""

from __future__ import annotations

from pathlib import Path

from casework.extensions import register_api
from casework.resources import resource_dir
from casework.workflow import api, catalog, deadlines, templating, views


def init_app(app) -> None:
    """Refuses to start (DefinitionError) when any definition has a problem. Runs after the
    features have registered the rules, effects and schemas the definitions name."""
    directory = Path(app.config.get("WORKFLOWS_DIR") or resource_dir("workflows"))
    catalog.init_app(app, directory)
    deadlines.holiday_table()  # the days off: a wrong table stops start-up too
    app.register_blueprint(views.bp)
    register_api(api.blp)
    templating.init_templating(app)
