"""The instance folder and its keys: outside the source tree, never committed, never public."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from casework import create_app
from casework.cli import _create_app

ROOT = Path(__file__).resolve().parent.parent
# The new names are imported in the tests that use them, so that every test here also runs
# (and fails) against the code from before the instance folder moved.
in_checkout = pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file() or
                                 not (ROOT / "src" / "casework").is_dir(),
                                 reason="runs from a source checkout")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def _is_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    top = _git("rev-parse", "--show-toplevel")
    return top.returncode == 0 and Path(top.stdout.strip()).resolve() == ROOT


in_git = pytest.mark.skipif(not _is_git_checkout(), reason="needs a git checkout of casework")


@pytest.fixture
def quiet_env(monkeypatch, tmp_path):
    """An environment where only what a test sets decides where things go."""
    for name in ("CASEWORK_INSTANCE_PATH", "CASEWORK_SECRET_KEY", "CASEWORK_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    return monkeypatch


@in_checkout
def test_a_checkout_keeps_its_instance_folder_at_the_repository_root(quiet_env):
    quiet_env.setenv("CASEWORK_SECRET_KEY", "a key from the environment")
    app = create_app()
    assert Path(app.instance_path) == ROOT / "instance"
    assert ROOT / "src" not in Path(app.instance_path).parents


def test_casework_instance_path_names_the_folder(quiet_env, tmp_path):
    folder = tmp_path / "elsewhere" / "inst"
    quiet_env.setenv("CASEWORK_INSTANCE_PATH", str(folder))
    app = create_app()
    assert Path(app.instance_path) == folder
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    # The generated key is there, and the folder is the owner's only.
    assert (folder / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


def test_the_sqlite_file_and_attachments_default_to_the_instance_folder(quiet_env, tmp_path):
    from casework.instance import attachments_dir

    quiet_env.delenv("CASEWORK_DATABASE_URL")
    quiet_env.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'casework.db'}"
    assert attachments_dir(app) == tmp_path / "attachments"


@in_checkout
@pytest.mark.parametrize("inside", ["src/instance", "src/casework/instance", "src"])
def test_an_instance_folder_inside_the_source_tree_is_refused(quiet_env, inside, capsys):
    from casework.instance import InstanceError, default_instance_path

    quiet_env.setenv("CASEWORK_SECRET_KEY", "k")
    with pytest.raises(InstanceError, match="inside the source tree"):
        create_app(instance_path=str(ROOT / inside))
    quiet_env.setenv("CASEWORK_INSTANCE_PATH", str(ROOT / inside))
    with pytest.raises(InstanceError, match="CASEWORK_INSTANCE_PATH"):
        default_instance_path()
    # The command line says so in one line and exits 1, without a traceback.
    with pytest.raises(SystemExit) as exited:
        _create_app()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "inside the source tree" in err and "Traceback" not in err
    assert not (ROOT / inside / "secret_key").exists()


def test_an_installed_package_keeps_it_under_the_environment(quiet_env, monkeypatch):
    import sys

    import casework.instance as instance
    from casework.instance import default_instance_path

    monkeypatch.setattr(instance, "checkout_root", lambda: None)
    assert default_instance_path() == Path(sys.prefix).resolve() / "var" / "casework-instance"


def test_a_key_is_made_once_and_kept(tmp_path):
    from casework.instance import InstanceError, read_or_create_key

    key_file = tmp_path / "k"
    first = read_or_create_key(key_file)
    assert len(first) == 64 and read_or_create_key(key_file) == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no temporary file left behind
    key_file.write_text("  \n")
    with pytest.raises(InstanceError, match="empty"):
        read_or_create_key(key_file)


def _published_key() -> str:
    added = _git("log", "--format=%H", "--diff-filter=A", "--", "src/instance/secret_key")
    commit = added.stdout.split()[-1] if added.stdout.split() else None
    shown = _git("show", f"{commit}:src/instance/secret_key") if commit else None
    if shown is None or shown.returncode != 0:
        pytest.skip("the history with the published key is not available")
    return shown.stdout.strip()


@in_git
def test_the_published_key_is_refused(quiet_env, tmp_path):
    published = _published_key()
    with pytest.raises(Exception, match="public") as refused:
        quiet_env.setenv("CASEWORK_SECRET_KEY", published)
        create_app(instance_path=str(tmp_path))
    assert type(refused.value).__name__ == "InstanceError"
    quiet_env.delenv("CASEWORK_SECRET_KEY")
    (tmp_path / "secret_key").write_text(published)
    with pytest.raises(Exception, match="public"):
        create_app(instance_path=str(tmp_path))


@in_git
def test_no_tracked_file_lies_in_an_instance_folder():
    tracked = _git("ls-files", "-z").stdout.split("\0")
    assert [p for p in tracked if "instance" in Path(p).parts] == []


@in_git
@pytest.mark.parametrize("path", ["instance/secret_key", "instance/casework.db",
                                  "instance/attachments/abc", "src/instance/secret_key"])
def test_instance_folders_are_ignored_by_git(path):
    assert _git("check-ignore", "--no-index", "-q", path).returncode == 0, path
