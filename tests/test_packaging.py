"""A plain (non-editable) wheel carries everything the app needs at run time."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    pytest.importorskip("hatchling", reason="the dev extra installs hatchling")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("casework-*.whl")
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


@pytest.mark.parametrize(
    "name",
    [
        "casework/templates/base.html",
        "casework/templates/errors/error.html",
        "casework/static/vendor/htmx.min.js",
        "casework/static/vendor/mermaid.min.js",
        "casework/static/css/app.css",
        "casework/workflows/README.md",
        "casework/criteria/qd28-2025.yaml",
        "casework/criteria/lai-chau-8.yaml",
        "casework/forms/index.yaml",
        "casework/forms/dossier-checklist.yaml",
        "casework/forms/mau-07.docx",
        "casework/migrations/env.py",
        "casework/migrations/alembic.ini",
        "casework/translations/vi/LC_MESSAGES/messages.mo",
        "casework/demo/orgunits.csv",
        "casework/workflow/holidays_vn.yaml",
    ],
)
def test_wheel_ships(wheel, name):
    assert name in wheel


def test_wheel_ships_every_migration_and_template(wheel):
    for folder in ("migrations", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"casework/{path.relative_to(ROOT)}" in wheel, path


def _requirement_names(requirements: list[str]) -> set[str]:
    """The distribution names of PEP 508 requirements, normalised (PEP 503)."""
    return {re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower().replace("_", "-")
            for req in requirements}


def test_django_only_in_the_bench_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    peers = {"django", "django-fsm-2", "django-fsm-log"}
    assert not peers & _requirement_names(project["dependencies"])
    assert not peers & _requirement_names(project["optional-dependencies"]["dev"])
    assert _requirement_names(project["optional-dependencies"]["bench"]) >= peers
