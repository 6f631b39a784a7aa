"""Where the shipped, non-Python parts of the app live.

In the repository the templates, static files, workflow definitions and migrations sit at the
top level (ARCHITECTURE.md). A wheel carries them inside the package instead. Both layouts are
found here, so an editable install and a plain ``pip install .`` behave the same.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent.parent


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` (templates, static, workflows or migrations)."""
    packaged = _PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    in_repo = _REPO_DIR / name
    if in_repo.is_dir():
        return in_repo
    raise RuntimeError(f"casework is installed without its {name!r} directory")


def checkout_root() -> Path | None:
    """The repository's root when casework runs from a source checkout (``src/casework``),
    None when it is installed as a package."""
    if _PACKAGE_DIR.parent.name == "src" and (_REPO_DIR / "pyproject.toml").is_file():
        return _REPO_DIR
    return None


def source_dirs() -> tuple[Path, ...]:
    """The folders that hold the code: nothing the app writes may live in them."""
    root = checkout_root()
    return (_PACKAGE_DIR,) if root is None else (_PACKAGE_DIR, root / "src")
