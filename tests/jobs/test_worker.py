"""``casework worker``: refused without a queue; on PostgreSQL it runs until SIGTERM and then
stops cleanly (exit 0)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_DB_URL, is_postgres


def test_the_worker_is_refused_when_jobs_run_inline(app):
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "CASEWORK_JOBS is inline" in result.output


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(), reason="the worker needs PostgreSQL "
                    "(CASEWORK_TEST_DATABASE_URL)")
def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "CASEWORK_DATABASE_URL": TEST_DB_URL, "CASEWORK_JOBS": "queue",
           "CASEWORK_INSTANCE_PATH": str(tmp_path), "CASEWORK_SECRET_KEY": "x" * 64,
           "PYTHONUNBUFFERED": "1"}
    casework = Path(sys.executable).with_name("casework")
    worker = subprocess.Popen([str(casework), "worker"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Starting worker" in line:
                break
        assert any("Starting worker" in line for line in lines), "".join(lines)
        time.sleep(2)  # Procrastinate's handlers are installed just after that line
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, "".join(lines) + rest
    assert "Stop requested" in rest and "Stopped worker" in rest  # Procrastinate's own stop
    assert "casework worker stopped." in rest


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(), reason="Procrastinate's schema is PostgreSQL's")
def test_init_installs_the_queue_schema_once():
    import sqlalchemy as sa

    from casework.jobs.queue import install_schema

    # The test setup ran `upgrade_schema`, as `casework init` does: the tables are there, and
    # a second run leaves them as they are.
    engine = sa.create_engine(TEST_DB_URL, poolclass=sa.pool.NullPool)
    try:
        assert install_schema(engine) is False
        with engine.connect() as connection:
            assert connection.execute(sa.text(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
    finally:
        engine.dispose()


def test_init_installs_no_queue_schema_on_sqlite(tmp_path):
    import sqlalchemy as sa

    from casework.jobs.queue import install_schema

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert install_schema(engine) is False
    engine.dispose()
