"""`casework backup DIR` and `casework restore DIR` on the suite's database (SQLite, or
PostgreSQL with CASEWORK_TEST_DATABASE_URL): the round trip keeps rows, attachments, keys and
a verifying audit log; a used target or a damaged backup is refused and nothing is written.

Each test uses databases of its own (files, or databases made and dropped on the test
server), since a backup reads committed data and a restore needs an empty target.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import stat
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.extensions import db as _db
from tests.conftest import TEST_DB_URL, is_postgres, make_test_app

PDF = b"%PDF-1.4\n" + b"casework test attachment\n" * 20
_names = itertools.count(1)


class Databases:
    """Empty databases for one module: SQLite files, or PostgreSQL databases on the test
    server (made here, dropped afterwards)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: list[str] = []
        self.admin = sa.create_engine(TEST_DB_URL, isolation_level="AUTOCOMMIT",
                                      poolclass=sa.pool.NullPool) if is_postgres() else None

    def new(self) -> str:
        number = next(_names)
        if self.admin is None:
            return f"sqlite:///{self.folder / f'db{number}.sqlite3'}"
        url = sa.engine.make_url(TEST_DB_URL)
        name = f"{url.database}_bk{os.getpid()}_{number}"[:63]
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


class Site:
    """One installation: an app with its own database and instance folder."""

    def __init__(self, url: str, instance: Path):
        self.instance = instance
        self.app = make_test_app(url, instance)

    def run(self, *args):
        with self.app.app_context():
            result = self.app.test_cli_runner().invoke(args=list(args))
            _db.session.remove()
            return result

    def counts(self) -> dict[str, int]:
        from casework.backup.services import count_rows

        with self.app.app_context(), _db.engine.connect() as connection:
            return count_rows(connection)

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.instance).as_posix(): p.read_bytes()
                for p in sorted(self.instance.rglob("*")) if p.is_file()}

    def close(self) -> None:
        with self.app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def sites(databases, tmp_path_factory):
    """sites() → a new installation with an empty database (no schema)."""
    opened: list[Site] = []

    def make() -> Site:
        site = Site(databases.new(), tmp_path_factory.mktemp("instance"))
        opened.append(site)
        return site

    yield make
    for site in opened:
        site.close()


def _seed(site: Site) -> None:
    """A small, committed picture: three units, a user, a person with two audit entries, an
    attachment, and an anchor."""
    from casework.auth import services as auth
    from casework.auth.scope import Scope
    from casework.instance import attachments_dir
    from casework.orgunits.services import create_orgunit
    from casework.people import services as people

    assert site.run("init").exit_code == 0
    with site.app.app_context():
        city = create_orgunit("BK", "Thành phố Sao Lưu", "city", None)
        ward = create_orgunit("BK-W", "Phường Sao Lưu", "ward", city)
        create_orgunit("BK-G", "Tổ dân phố Sao Lưu", "residential_group", ward)
        user = auth.create_user("backup.police", "a long enough secret", full_name="Cán bộ")
        auth.grant_role(user, "police", ward)
        person = people.create_person(
            {"full_name": "Người Sao Lưu", "birth_date": date(1990, 1, 2), "gender": "male",
             "area_code": "BK-G"}, user, Scope.for_user(user))
        people.fire_event(person, user, event="request_assessment", version=person.version,
                          data={"grounds": "Kết quả xét nghiệm dương tính"})
        _db.session.commit()
        folder = attachments_dir(site.app)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / hashlib.sha256(PDF).hexdigest()).write_bytes(PDF)
        _db.session.remove()
    result = site.run("audit", "anchor")
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def source(sites):
    site = sites()
    _seed(site)
    return site


@pytest.fixture(scope="module")
def backup_dir(source, tmp_path_factory):
    target = tmp_path_factory.mktemp("backups") / "2026-12-02"
    result = source.run("backup", str(target))
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def damaged(backup_dir, tmp_path):
    """A copy of the backup to damage."""
    copy = tmp_path / "copy"
    shutil.copytree(backup_dir, copy)
    return copy


def test_the_backup_holds_the_database_attachments_keys_and_a_manifest(source, backup_dir):
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    database = manifest["database"]
    assert database["dialect"] == ("postgresql" if is_postgres() else "sqlite")
    assert database["file"] == ("database.dump" if is_postgres() else "database.sqlite3")
    assert database["tables"] == source.counts()
    assert {k: database["tables"][k] for k in ("org_units", "users", "persons",
                                               "audit_entries")} == {
        "org_units": 3, "users": 1, "persons": 1, "audit_entries": 2}
    assert manifest["attachments"] == 1
    digest = hashlib.sha256(PDF).hexdigest()
    assert set(manifest["files"]) == {
        database["file"], f"attachments/{digest}", "instance/secret_key",
        "instance/audit_key", "instance/audit-anchors.jsonl"}
    for name, expected in manifest["files"].items():
        data = (backup_dir / name).read_bytes()
        assert expected == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        assert stat.S_IMODE((backup_dir / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700
    assert (backup_dir / "attachments" / digest).read_bytes() == PDF
    # Nothing personal in the manifest: tables, counts, names of files and checksums only.
    assert "Sao Lưu" not in (backup_dir / "manifest.json").read_text()


def test_the_round_trip_keeps_rows_attachments_keys_and_the_audit_log(source, backup_dir,
                                                                      sites):
    target = sites()  # a new database with no schema, a new instance folder
    result = target.run("restore", str(backup_dir))
    assert result.exit_code == 0, result.output
    assert "the audit log verifies (2 entries, 1 anchor(s))" in result.output
    assert target.counts() == source.counts()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (target.instance / "attachments" / digest).read_bytes() == PDF
    for name in ("secret_key", "audit_key", "audit-anchors.jsonl"):
        assert (target.instance / name).read_bytes() == (source.instance / name).read_bytes()
    verified = target.run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "2 entries in 1 chain(s) verified, against 1 anchor(s)" in verified.output

    # Restoring again: the target is in use now. Refused, and nothing changes.
    rows, files = target.counts(), target.files()
    again = target.run("restore", str(backup_dir))
    assert again.exit_code == 1
    assert "the configured database is not empty" in again.output
    assert target.counts() == rows and target.files() == files


def test_restore_into_a_schema_without_rows(source, backup_dir, sites):
    """`casework init` on the new server first is fine: the empty schema is replaced."""
    target = sites()
    assert target.run("init").exit_code == 0
    result = target.run("restore", str(backup_dir))
    assert result.exit_code == 0, result.output
    assert target.counts() == source.counts()
    assert target.run("audit", "verify").exit_code == 0


def test_a_schema_of_another_revision(source, backup_dir, sites):
    """PostgreSQL: pg_restore replaces only the backup's own tables, so an empty schema of
    another revision is refused. SQLite: the whole file is replaced, so it restores."""
    target = sites()
    assert target.run("init").exit_code == 0
    with target.app.app_context():
        _db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'facb2672714b'"))
        _db.session.commit()
        _db.session.remove()
    result = target.run("restore", str(backup_dir))
    if is_postgres():
        assert result.exit_code == 1
        assert "has the schema of revision facb2672714b" in result.output
        assert sum(target.counts().values()) == 1  # alembic_version's row, as it was
    else:
        assert result.exit_code == 0, result.output
        assert target.counts() == source.counts()


@pytest.fixture(scope="module")
def used_target(sites):
    """An installation whose database has one row."""
    from casework.orgunits.services import create_orgunit

    site = sites()
    assert site.run("init").exit_code == 0
    with site.app.app_context():
        create_orgunit("USED", "Thành phố Đang Dùng", "city", None)
        _db.session.commit()
        _db.session.remove()
    return site


@pytest.fixture(scope="module")
def empty_target(sites):
    return sites()


def test_restore_refuses_a_used_database_and_writes_nothing(backup_dir, used_target):
    rows, files = used_target.counts(), used_target.files()
    result = used_target.run("restore", str(backup_dir))
    assert result.exit_code == 1
    # One org unit: its row and its place in the tree (org_unit_links).
    assert "Error: the configured database is not empty (2 table(s) with rows, e.g. " \
           "org_unit_links)" in result.output
    assert used_target.counts() == rows and used_target.files() == files


@pytest.mark.parametrize("what", ["attachment", "anchors"])
def test_restore_refuses_a_used_instance_folder_and_writes_nothing(backup_dir, empty_target,
                                                                   what):
    from casework.instance import attachments_dir

    if what == "attachment":
        path = attachments_dir(empty_target.app) / ("0" * 64)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path = empty_target.instance / "audit-anchors.jsonl"
    path.write_bytes(b"already here\n")
    files = empty_target.files()
    try:
        result = empty_target.run("restore", str(backup_dir))
        assert result.exit_code == 1
        assert "restore needs an empty instance folder" in result.output
        assert empty_target.files() == files
        assert sum(empty_target.counts().values()) == 0
    finally:
        path.unlink()


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, message", [
    ("database", "does not match its checksum"),
    ("attachment", "does not match its checksum"),
    ("anchors", "does not match its checksum"),
    ("missing", "is listed in the manifest but missing"),
    ("extra", "is in the backup but not in its manifest"),
    ("manifest", "is not a valid manifest"),
    ("no_manifest", "has no manifest.json"),
])
def test_a_damaged_backup_is_refused_and_nothing_is_written(damaged, empty_target, damage,
                                                            message):
    manifest = json.loads((damaged / "manifest.json").read_text())
    digest = hashlib.sha256(PDF).hexdigest()
    if damage == "database":
        _flip_last_byte(damaged / manifest["database"]["file"])
    elif damage == "attachment":
        _flip_last_byte(damaged / "attachments" / digest)
    elif damage == "anchors":
        _flip_last_byte(damaged / "instance" / "audit-anchors.jsonl")
    elif damage == "missing":
        (damaged / "attachments" / digest).unlink()
    elif damage == "extra":
        (damaged / "attachments" / ("1" * 64)).write_bytes(b"slipped in")
    elif damage == "manifest":
        (damaged / "manifest.json").write_text("{not json")
    else:
        (damaged / "manifest.json").unlink()
    files = empty_target.files()
    result = empty_target.run("restore", str(damaged))
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1  # one line on stderr
    assert empty_target.files() == files
    assert sum(empty_target.counts().values()) == 0


def test_a_refused_restore_does_not_even_create_the_sqlite_file(backup_dir, tmp_path):
    site = Site(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path / "instance")
    try:
        (tmp_path / "instance" / "audit-anchors.jsonl").write_text("x\n")
        result = site.run("restore", str(backup_dir))
        assert result.exit_code == 1
        assert not (tmp_path / "new.sqlite3").exists()
    finally:
        site.close()


def test_a_backup_with_a_rewritten_audit_log_fails_verification_after_restore(
        source, sites, tmp_path):
    """The owner rewrote an entry and its chain after the last anchor: the backup restores,
    and the restore's verification says the log no longer reaches its anchor."""
    from casework.audit import services as audit
    from casework.audit.models import AuditEntry

    with source.app.app_context():
        entries = list(_db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
        fields = {name: getattr(entries[-1], name) for name in audit.HASHED_FIELDS}
        fields["reason"] = "rewritten"
        new_hash = audit.compute_hash(AuditEntry(**fields))
        if is_postgres():
            _db.session.execute(sa.text(
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
        _db.session.execute(sa.text("UPDATE audit_entries SET reason = 'rewritten', hash = :h "
                                    "WHERE id = :id"), {"h": new_hash, "id": entries[-1].id})
        if is_postgres():
            _db.session.execute(sa.text(
                "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"))
        _db.session.commit()
        _db.session.remove()
    tampered = tmp_path / "tampered"
    assert source.run("backup", str(tampered)).exit_code == 0
    target = sites()
    result = target.run("restore", str(tampered))
    assert result.exit_code == 1
    assert "differs from anchor 1" in result.output
    assert "Error: restored, but 1 problem(s) found when verifying it" in result.output


def test_backup_refuses_a_folder_in_use(source, tmp_path):
    folder = tmp_path / "in-use"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = source.run("backup", str(folder))
    assert result.exit_code == 1 and "is not an empty folder" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_failed_backup_leaves_nothing(tmp_path, monkeypatch):
    from casework.backup import services

    site = Site(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "instance")
    try:
        assert site.run("init").exit_code == 0

        def broken(*_args):
            raise services.BackupError("the disk is full")

        monkeypatch.setattr(services, "_stored_files", broken)
        result = site.run("backup", str(tmp_path / "new"))
        assert result.exit_code == 1 and "the disk is full" in result.output
        assert not (tmp_path / "new").exists()
    finally:
        site.close()


def test_usage_errors(source, tmp_path):
    assert source.run("backup").exit_code == 2
    assert source.run("restore").exit_code == 2
    assert source.run("restore", str(tmp_path / "missing")).exit_code == 2


def test_the_password_never_reaches_the_command_line(monkeypatch):
    from casework.backup import postgres

    url = sa.engine.make_url("postgresql+psycopg://app:s3cr%40t@db.internal:5433/case"
                             "?sslmode=require")
    conninfo, env = postgres.libpq_connection(url)
    assert "s3cr" not in conninfo and env["PGPASSWORD"] == "s3cr@t"
    for part in ("host=db.internal", "port=5433", "user=app", "dbname=case",
                 "sslmode=require"):
        assert part in conninfo
    seen = {}

    def fake_run(argv, **kwargs):
        seen.update(argv=argv, env=kwargs["env"])
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    monkeypatch.setattr(postgres.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(postgres.subprocess, "run", fake_run)
    postgres.dump(url, Path("/tmp/x.dump"), "00000003-1")
    assert not any("s3cr" in arg for arg in seen["argv"])
    assert seen["env"]["PGPASSWORD"] == "s3cr@t"
    assert "--snapshot=00000003-1" in seen["argv"] and "--format=custom" in seen["argv"]
