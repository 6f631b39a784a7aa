"""gunicorn.conf.py at the repository root: read as gunicorn reads it."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def settings(monkeypatch, **env) -> dict:
    for name in ("CASEWORK_WEB_WORKERS", "CASEWORK_WEB_TIMEOUT", "CASEWORK_WEB_MAX_REQUESTS",
                 "CASEWORK_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_the_defaults(monkeypatch):
    conf = settings(monkeypatch)
    assert 2 <= conf["workers"] <= 8
    assert conf["timeout"] == 60 and conf["graceful_timeout"] == 30
    assert conf["max_requests"] == 1000 and conf["max_requests_jitter"] == 100
    assert conf["preload_app"] is False
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["bind"] == "127.0.0.1:8000"
    # No query string, no referrer in the access log.
    assert "%(U)s" in conf["access_log_format"]
    for field in ("%(r)s", "%(q)s", "%(f)s"):
        assert field not in conf["access_log_format"]


def test_the_environment_overrides(monkeypatch):
    conf = settings(monkeypatch, CASEWORK_WEB_WORKERS="3", CASEWORK_WEB_TIMEOUT="90",
                    CASEWORK_WEB_MAX_REQUESTS="500", CASEWORK_BIND="unix:/run/casework.sock")
    assert (conf["workers"], conf["timeout"], conf["max_requests"]) == (3, 90, 500)
    assert conf["max_requests_jitter"] == 50 and conf["bind"] == "unix:/run/casework.sock"


@pytest.mark.parametrize("name", ["workers", "timeout", "max_requests", "max_requests_jitter",
                                  "graceful_timeout", "keepalive"])
def test_gunicorn_knows_each_setting(name):
    from gunicorn.config import Config

    assert name in Config().settings


def test_the_wsgi_app_is_settled_out_of_the_collectors_passes(tmp_path):
    """``wsgi.py`` (what gunicorn's workers load) freezes the built app's objects: a full
    collection then walks only what requests make (issue 16)."""
    import os
    import subprocess
    import sys

    root = CONF.parent
    probe = ("import gc, wsgi; frozen = gc.get_freeze_count(); "
             "before = len(gc.get_objects()); "
             "print(frozen, before, wsgi.app.name)")
    env = {**os.environ, "CASEWORK_INSTANCE_PATH": str(tmp_path), "CASEWORK_SECRET_KEY": "x" * 64,
           "CASEWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'settle.db'}"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    frozen, tracked = int(out[0]), int(out[1])
    assert out[2] == "casework"
    assert frozen > 50_000  # the modules, mappers and catalogues of the built app
    assert tracked < frozen // 10  # what the collector still walks: next to nothing
