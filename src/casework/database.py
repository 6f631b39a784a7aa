"""Schema management through Alembic (Flask-Migrate)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_migrate import upgrade

from casework.resources import resource_dir


def upgrade_schema() -> None:
    """Upgrade the database to the newest migration; creates the SQLite file if needed."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(directory=str(resource_dir("migrations")))
