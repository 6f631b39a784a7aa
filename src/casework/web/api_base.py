"""The flask-smorest ``Api`` with casework's error handling.

flask-smorest registers a JSON handler for every HTTP error of the whole app; casework answers
JSON only under ``/api/`` and friendly pages elsewhere, so ``web.errors`` owns that instead.
"""

from __future__ import annotations

from flask_smorest import Api


class CaseworkApi(Api):
    def _register_error_handlers(self):  # see web.errors.register_error_handlers
        return None
