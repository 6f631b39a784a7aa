"""casework: case management for drug-free area programmes."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from casework.instance import check_instance_path, default_instance_path, old_instance_folder
from casework.resources import resource_dir

__all__ = ["create_app"]


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
    register_blueprints(app)
    register_security(app)
    register_workflows(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


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
    from casework.database import configure_sqlite
    from casework.extensions import api, babel, csrf, db, htmx, migrate
    from casework.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
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


def register_blueprints(app: Flask) -> None:
    from casework.areas.api import blp as areas_api
    from casework.areas.views import bp as areas_bp
    from casework.auth.admin_views import bp as admin_bp
    from casework.auth.api import blp as auth_api
    from casework.auth.views import bp as auth_bp
    from casework.extensions import api, csrf
    from casework.imports.views import bp as imports_bp
    from casework.orgunits.api import blp as orgunits_api
    from casework.people.api import blp as persons_api
    from casework.people.views import bp as persons_bp
    from casework.plans.api import blp as plans_api
    from casework.plans.api import reports_blp as reports_api
    from casework.plans.views import bp as plans_bp
    from casework.plans.views import reports_bp
    from casework.recognition.api import blp as recognition_api
    from casework.recognition.views import bp as recognition_bp
    from casework.web.views import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(areas_bp)
    app.register_blueprint(recognition_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(persons_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(reports_bp)
    for blp in (auth_api, orgunits_api, persons_api, areas_api, recognition_api, plans_api,
                reports_api):
        # The API checks CSRF itself, only for session-cookie callers (auth.setup).
        csrf.exempt(blp)
        api.register_blueprint(blp)


def register_security(app: Flask) -> None:
    """Security headers and the sign-in rate limit (web.security), once the views exist;
    request ids and logs without personal data (web.logs)."""
    from casework.web.logs import init_logs
    from casework.web.security import init_security

    init_security(app)
    init_logs(app)


def register_workflows(app: Flask) -> None:
    """Load and check workflows/*.yaml; any problem stops start-up (DefinitionError)."""
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
