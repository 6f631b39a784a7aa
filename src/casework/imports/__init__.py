"""Bulk import of persons and drug tests from CSV/XLSX files, and list exports.

A file is checked first (a dry run: one line per problem, with its row number), then imported
all or nothing. Rows are matched by an external ID, so importing the same file twice creates
nothing the second time. Imported persons start their history with one ``imported`` audit
entry (``workflow.engine.import_record``).

Pages only (no JSON API, so no ``api.py``); the columns of each kind of file (``columns``) play
the part of ``schemas.py``.
"""

from __future__ import annotations

from casework.imports import views


def init_app(app) -> None:
    """Register the import and export pages."""
    app.register_blueprint(views.bp)
