"""The instance folder: the SQLite file, the keys, the attachments and the audit anchors.

It is ``CASEWORK_INSTANCE_PATH`` when set, ``instance/`` at the repository's root in a source
checkout, and ``<venv>/var/casework-instance`` for an installed package (INTERFACES.md). It is
never inside the source tree's packages, so nothing in it can be committed or packaged with
the code; ``.gitignore`` ignores every folder named ``instance``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sys
import tempfile
from pathlib import Path

from casework.resources import checkout_root, source_dirs

ENV_VAR = "CASEWORK_INSTANCE_PATH"
SECRET_KEY_FILE = "secret_key"
AUDIT_KEY_FILE = "audit_key"
ANCHORS_FILE = "audit-anchors.jsonl"
ATTACHMENTS_DIR = "attachments"

# SHA-256 of keys that were published (src/instance/secret_key was committed until
# December 2026). Anyone can sign sessions with them, so the app refuses to use them.
PUBLISHED_KEYS = frozenset({
    "5545e50220a9b4da4831741c206717a532ec014567b9d3a7e1cbde03987070dd",
})


class InstanceError(RuntimeError):
    """The instance folder or one of its keys cannot be used; the message says why."""


def default_instance_path() -> Path:
    """The instance folder to use when the caller names none (see the module's docstring)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
    else:
        root = checkout_root()
        path = root / "instance" if root is not None else Path(sys.prefix) / "var/casework-instance"
    return check_instance_path(path)


def check_instance_path(path: Path | str) -> Path:
    """``path`` made absolute; InstanceError when it lies inside the source tree's packages."""
    resolved = Path(path).expanduser().resolve()
    for code in source_dirs():
        if resolved == code or code in resolved.parents:
            raise InstanceError(
                f"the instance folder {resolved} is inside the source tree ({code}); "
                f"set {ENV_VAR} to a folder outside it"
            )
    return resolved


def attachments_dir(app) -> Path:
    """The folder of ``app``'s stored attachments (``ATTACHMENT_DIR``, else in the instance
    folder)."""
    return Path(app.config.get("ATTACHMENT_DIR") or Path(app.instance_path) / ATTACHMENTS_DIR)


def old_instance_folder() -> Path | None:
    """``src/instance`` of a checkout made before the instance folder moved, if it is there."""
    root = checkout_root()
    old = root / "src" / "instance" if root is not None else None
    return old if old is not None and old.is_dir() else None


def ensure_instance_folder(path: Path) -> None:
    """Create the folder, readable by its owner only, if it does not exist yet."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def read_or_create_key(path: Path) -> str:
    """The key kept in ``path``; a new random one, written once with mode 0600, if none.

    Two processes starting at the same moment end up with the same key: the file appears
    complete or not at all (written aside, then linked into place, never overwritten).
    """
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if not key:
        raise InstanceError(f"{path} is empty; delete it to have a new key generated")
    return key


def check_not_published(key: str, name: str) -> str:
    """``key``, unless it is one that was published (InstanceError then)."""
    if hashlib.sha256(key.encode()).hexdigest() in PUBLISHED_KEYS:
        raise InstanceError(
            f"{name} is the key that was committed to the repository (src/instance/secret_key) "
            "and is public; generate a new one (README, 'Security')"
        )
    return key
