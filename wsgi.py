"""WSGI entry point: ``gunicorn wsgi:app``."""

from casework import create_app, settle

app = create_app()
settle()  # the app's objects live as long as the worker: out of the collector's passes
