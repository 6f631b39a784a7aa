"""Write a consistent backup, and restore one into an empty database and instance folder.

A backup is a folder::

    manifest.json          format, time, dialect, schema revision, rows per table, and the
                           size and SHA-256 of every other file
    database.dump          PostgreSQL: pg_dump's custom format
    database.sqlite3       SQLite: a copy made through SQLite's backup API
    attachments/<sha256>   the stored attachments
    instance/              secret_key, audit_key and audit-anchors.jsonl, when present

It holds personal data and keys: it is written with mode 0700/0600 and must be kept as safe
as the server. The order gives consistency: the anchors are copied before the database's
snapshot (every anchored entry is in it), the attachments after it (every file the database
names is there; attachments are stored before their row is committed and never removed).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import URL, make_url

from casework.audit.anchors import AnchorCheck, anchors_path, locked, verify_all
from casework.audit.services import VerifyReport
from casework.backup import postgres
from casework.extensions import db
from casework.instance import ANCHORS_FILE, AUDIT_KEY_FILE, SECRET_KEY_FILE, attachments_dir
from casework.migrating import upgrade_schema
from casework.resources import resource_dir

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
INSTANCE_FILES = (SECRET_KEY_FILE, AUDIT_KEY_FILE, ANCHORS_FILE)
IGNORED_TABLES = frozenset({"alembic_version"})  # rows that do not make a database "used"


class BackupError(Exception):
    """The backup or restore was refused or failed; the message says why in one line."""


@dataclass
class BackupResult:
    directory: Path
    tables: dict[str, int]
    attachments: int
    files: int


@dataclass
class RestoreResult:
    dialect: str
    tables: dict[str, int]
    attachments: int
    report: VerifyReport
    anchors: AnchorCheck
    problems: list[str] = field(default_factory=list)  # counts that differ from the manifest

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.anchors.problems and not self.problems


# --- shared helpers ---------------------------------------------------------------------------


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database).resolve()


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy(source: Path, target: Path) -> None:
    """Copy one file, readable by its owner only, written aside and moved into place."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _stored_files(folder: Path) -> list[Path]:
    """The attachments in ``folder`` (not the temporary ``.upload-*`` files)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def count_rows(connection: sa.Connection) -> dict[str, int]:
    """Rows per table of the database ``connection`` reads (in its transaction)."""
    names = sorted(sa.inspect(connection).get_table_names())
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
            .scalar_one() for name in names}


def _revision(connection: sa.Connection) -> str | None:
    if "alembic_version" not in sa.inspect(connection).get_table_names():
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


# --- backup -----------------------------------------------------------------------------------


def backup(target: Path) -> BackupResult:
    """Write a backup of the configured database and instance folder into ``target``, a new
    or empty folder. Nothing is left behind when it fails (BackupError)."""
    url = _url()
    dialect = _dialect(url)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder; a backup needs a new one")
    created = not target.exists()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return _write_backup(target, url, dialect)
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _write_backup(target: Path, url: URL, dialect: str) -> BackupResult:
    instance = Path(current_app.instance_path)
    # 1. The keys and anchors, before the database's snapshot.
    with locked(anchors_path(), exclusive=False):
        for name in INSTANCE_FILES:
            if (instance / name).is_file():
                _copy(instance / name, target / "instance" / name)
    # 2. The database, and its rows counted in the same snapshot.
    database = target / DATABASE_FILES[dialect]
    if dialect == "sqlite":
        tables, revision = _sqlite_backup(_sqlite_path(url), database)
    else:
        tables, revision = _postgres_backup(url, database)
    # 3. The attachments.
    stored = _stored_files(attachments_dir(current_app))
    for path in stored:
        _copy(path, target / "attachments" / path.name)
    # 4. The manifest, last: a folder without one is no backup.
    files = {
        path.relative_to(target).as_posix(): {"size": path.stat().st_size,
                                              "sha256": _sha256(path)}
        for path in sorted(target.rglob("*")) if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "casework": metadata.version("casework"),
        "database": {"dialect": dialect, "file": database.name, "revision": revision,
                     "tables": tables},
        "attachments": len(stored),
        "files": files,
    }
    fd = os.open(target / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return BackupResult(target, tables, len(stored), len(files) + 1)


def _sqlite_backup(source: Path, target: Path) -> tuple[dict[str, int], str | None]:
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _sqlite_copy(source, target)  # a consistent copy, even while the app writes
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        return count_rows(connection), _revision(connection)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database page by page through SQLite's backup API; the source is opened
    read-only, and ``target``'s whole content is replaced."""
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _postgres_backup(url: URL, target: Path) -> tuple[dict[str, int], str | None]:
    # One REPEATABLE READ transaction exports its snapshot to pg_dump and counts the rows in
    # it: the dump and the manifest describe the same moment.
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              isolation_level="REPEATABLE READ")
    with engine.connect() as connection, connection.begin():
        snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        tables, revision = count_rows(connection), _revision(connection)
        try:
            postgres.dump(url, target, snapshot)
        except postgres.ToolError as exc:
            raise BackupError(str(exc)) from None
    os.chmod(target, 0o600)
    return tables, revision


# --- restore ----------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking that every file it lists is there unchanged and
    that the folder holds no other file (BackupError otherwise)."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        database = manifest["database"]
        valid = (manifest["format"] == FORMAT and database["dialect"] in DATABASE_FILES
                 and database["file"] in files and isinstance(database["tables"], dict))
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: not a casework backup") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{source / MANIFEST} is not a valid manifest") from None
    if not valid:
        raise BackupError(f"{source / MANIFEST} is not a manifest this version can read")
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    unlisted = sorted(present - set(files) - {MANIFEST})
    if unlisted:
        raise BackupError(f"{unlisted[0]} is in the backup but not in its manifest")
    for name, expected in sorted(files.items()):
        path = source / name
        if name not in present:
            raise BackupError(f"{name} is listed in the manifest but missing")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest")
    return manifest


def _check_revision(revision: str | None) -> None:
    # Imported here: only a restore needs Alembic, never a web worker.
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from flask_migrate import Config

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    try:
        known = revision is None or ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        known = False
    if not known:
        raise BackupError(f"the backup's schema revision {revision} is unknown to this "
                          "version of casework; restore it with the version that wrote it")


def _require_empty_target(revision: str | None) -> None:
    """BackupError when the configured database or instance folder holds anything, or when
    a PostgreSQL database has another schema than the backup's (pg_restore replaces only the
    backup's own tables)."""
    used = []
    url = _url()
    schema = None
    if url.get_backend_name() != "sqlite" or _sqlite_path(url).exists():  # else: nothing yet
        with db.engine.connect() as connection:
            for name in sorted(sa.inspect(connection).get_table_names()):
                if name in IGNORED_TABLES:
                    continue
                if connection.execute(sa.select(sa.literal(1)).select_from(sa.table(name))
                                      .limit(1)).first() is not None:
                    used.append(name)
            schema = _revision(connection)
    if used:
        raise BackupError(f"the configured database is not empty ({len(used)} table(s) "
                          f"with rows, e.g. {used[0]}); restore needs an empty one")
    if _stored_files(attachments_dir(current_app)):
        raise BackupError(f"{attachments_dir(current_app)} already holds attachments; "
                          "restore needs an empty instance folder")
    anchors = anchors_path()
    if anchors.exists() and anchors.stat().st_size > 0:
        raise BackupError(f"{anchors} already exists; restore needs an empty instance folder")
    if url.get_backend_name() == "postgresql" and schema not in (None, revision):
        raise BackupError(f"the configured database has the schema of revision {schema}, the "
                          f"backup {revision}; restore into a new database (createdb)")


def restore(source: Path, record_models: Iterable[type] = ()) -> RestoreResult:
    """Restore the backup in ``source`` into the configured database and instance folder.

    Everything is checked before anything is written: the manifest and every checksum, the
    dialect, the schema revision, and that the database and the instance folder are empty.
    Then the database is restored, the files copied, the schema upgraded to this version's,
    and the row counts and the audit chains (with their anchors) verified.
    """
    manifest = read_manifest(source)
    url = _url()
    dialect = _dialect(url)
    backup_db = manifest["database"]
    if backup_db["dialect"] != dialect:
        raise BackupError(f"the backup is of a {backup_db['dialect']} database; the configured "
                          f"one is {dialect}")
    _check_revision(backup_db["revision"])
    if dialect == "sqlite":
        _sqlite_path(url)
    _require_empty_target(backup_db["revision"])

    db.session.remove()
    db.engine.dispose()  # no pooled connection survives the switch
    database = source / backup_db["file"]
    if dialect == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sqlite_copy(database, target)
    else:
        try:
            postgres.restore(url, database)
        except postgres.ToolError as exc:
            raise BackupError(str(exc)) from None
    instance = Path(current_app.instance_path)
    for name in INSTANCE_FILES:
        if (source / "instance" / name).is_file():
            _copy(source / "instance" / name, instance / name)
    stored = _stored_files(source / "attachments")
    for path in stored:
        _copy(path, attachments_dir(current_app) / path.name)
    db.engine.dispose()

    with db.engine.connect() as connection:
        tables = count_rows(connection)
    problems = [f"table {name}: {count} row(s) in the backup, {tables.get(name, 0)} restored"
                for name, count in sorted(backup_db["tables"].items())
                if tables.get(name, 0) != count]
    if len(stored) != manifest["attachments"]:
        problems.append(f"{manifest['attachments']} attachment(s) in the backup, "
                        f"{len(stored)} restored")
    upgrade_schema()  # a backup of an older version is brought up to this one's schema
    report, anchors = verify_all(record_models)
    db.session.remove()
    return RestoreResult(dialect, tables, len(stored), report, anchors, problems)
