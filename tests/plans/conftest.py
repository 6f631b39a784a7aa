from __future__ import annotations

from tests.people.conftest import open_case, team  # noqa: F401
