"""pg_dump and pg_restore, run with the connection of the configured SQLAlchemy URL.

The password travels in the child's environment (``PGPASSWORD``), never on its command line,
and nothing here logs the URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL


class ToolError(Exception):
    """A PostgreSQL client tool is missing or failed; the message says which and why."""


def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string of ``url`` (without its password) and the environment
    that carries the password to a client tool."""
    params: dict[str, str | int] = {}
    for name, value in (("host", url.host), ("port", url.port), ("user", url.username),
                        ("dbname", url.database)):
        if value:
            params[name] = value
    for name, value in url.query.items():  # sslmode=require, host=/run/postgresql, ...
        params[name] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo(**params), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolError(f"{name} not found on PATH: install the PostgreSQL client tools "
                        "(the same major version as the server, or newer)")
    return found


def run_tool(name: str, url: URL, args: list[str]) -> None:
    """Run ``name`` (pg_dump, pg_restore, psql) on ``url``'s database; ToolError on failure,
    with the tool's last message."""
    conninfo, env = libpq_connection(url)
    result = subprocess.run([_tool(name), "--no-password", f"--dbname={conninfo}", *args],
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise ToolError(f"{name} failed: {lines[-1] if lines else f'exit {result.returncode}'}")


def dump(url: URL, target: Path, snapshot: str) -> None:
    """Dump the database in pg_dump's custom format, as of the exported ``snapshot``."""
    run_tool("pg_dump", url, ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"])


def restore(url: URL, source: Path) -> None:
    """Restore a custom-format dump in one transaction: all of it or nothing.

    Objects belong to the role that restores (the migration role), and grants are left to
    ``scripts/postgres-roles.sql``, so a dump restores on a server with other role names.
    An empty schema made by ``casework init`` is replaced (``--clean``).
    """
    run_tool("pg_restore", url, ["--no-owner", "--no-privileges", "--single-transaction",
                                 "--exit-on-error", "--clean", "--if-exists", str(source)])
