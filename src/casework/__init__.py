"""casework: case management for drug-free area programmes."""

from __future__ import annotations

import gc
import logging
from importlib import import_module
from pathlib import Path

from flask import Flask

from casework.instance import check_instance_path, default_instance_path, old_instance_folder
from casework.resources import resource_dir

__all__ = ["FEATURES", "create_app", "settle"]

# The features, in the order their pages and JSON API are registered (the API's order is the
# OpenAPI document's). Each is a package with an ``init_app(app)``; orgunits has nothing to
# register (its API is auth's) and workflow is set up after them (register_workflows).
FEATURES = (
    "casework.web",
    "casework.auth",
    "casework.people",
    "casework.documents",
    "casework.areas",
    "casework.recognition",
    "casework.plans",
    "casework.reviews",
    "casework.imports",
    "casework.jobs",
    "casework.notify",
)


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app from small register_* steps.

    ``test_config`` overrides settings after the environment is read; ``instance_path``
    replaces the default instance folder (``casework.instance``: where the SQLite file, the
    keys and the attachments live). Neither may lie inside the source tree.
    """
    folder = (default_instance_path() if instance_path is None
              else check_instance_path(instance_path))
    app = Flask(
        __name__,
        instance_path=str(folder),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        instance_relative_config=True,
    )
    register_config(app, test_config)
    register_extensions(app)
    register_request_boundary(app)
    register_features(app)
    register_security(app)
    register_workflows(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def settle() -> None:
    """Once a serving process has built its app (``wsgi.py``, ``casework worker``): what
    exists now (modules, mappers, catalogues, the app) lives as long as the process, so the
    garbage collector stops walking it.

    Each full collection walked those ~200,000 objects again: ~125 ms, two or three times in
    a province's dashboard at national scale (issue 16), for objects that are never garbage.
    ``gc.freeze`` moves them to the permanent generation; garbage made before is collected
    first. Not for processes that build many apps (the tests): what they freeze stays.
    """
    gc.collect()
    gc.freeze()


def register_config(app: Flask, test_config: dict | None) -> None:
    from casework.config import load_config

    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    logging.getLogger("casework").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    old = old_instance_folder()
    if old is not None:
        logging.getLogger("casework").warning(
            "%s is no longer used: move casework.db and attachments/ to %s and replace the "
            "secret key it held (README, 'Security')", old, app.instance_path)
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON answers


def register_extensions(app: Flask) -> None:
    # Import every model so the metadata is complete for Alembic and the app.
    import casework.models  # noqa: F401
    from casework.auth.setup import init_login
    from casework.extensions import api, babel, csrf, db, htmx
    from casework.i18n import select_locale
    from casework.migrating import configure_engine, init_migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    init_migrate(app)  # Flask-Migrate, imported when first used
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    htmx.init_app(app)
    init_login(app)
    api.init_app(app)


def register_request_boundary(app: Flask) -> None:
    """What every request must be before a view sees it (before the blueprints: the
    bounded ``<int:...>`` converter applies to the rules they add)."""
    from casework.web.boundary import init_app

    init_app(app)


def register_features(app: Flask) -> None:
    """Each feature registers its blueprints, and importing it registers its workflow rules,
    effects and schemas, its "my work" sources and its metrics (see its ``__init__.py``)."""
    for name in FEATURES:
        import_module(name).init_app(app)


def register_security(app: Flask) -> None:
    """Security headers and the sign-in rate limit (web.security), once the views exist;
    request ids and logs without personal data (web.logs)."""
    from casework.web.logs import init_logs
    from casework.web.security import init_security

    init_security(app)
    init_logs(app)


def register_workflows(app: Flask) -> None:
    """Load and check workflows/*.yaml once every feature has registered the names they use;
    any problem stops start-up (DefinitionError)."""
    from casework.workflow.setup import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from casework.web.templating import init_templating

    init_templating(app)


def register_error_handlers(app: Flask) -> None:
    from casework.web.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from casework.cli import register_commands

    register_commands(app)
