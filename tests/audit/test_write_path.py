"""The write path stays plain: entries built in one place, no private SQLAlchemy API, and the
log knows no workflow (the engine imports the log, never the reverse)."""

from __future__ import annotations

import re
from pathlib import Path

import casework

SRC = Path(casework.__file__).resolve().parent
# The session's and the instrumentation's internals that a hand-written write path reaches for.
PRIVATE = re.compile(r"_register_persistent|instance_dict|instance_state|make_transient"
                     r"|\b_sa_|session\._|\._flush\b|committed_state")


def _sources():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 50
    return [(f, f.read_text(encoding="utf-8")) for f in files]


def test_no_private_sqlalchemy_api():
    found = [f"{f.relative_to(SRC)}: {m.group(0)}" for f, text in _sources()
             for m in PRIVATE.finditer(text)]
    assert found == []


def test_one_function_builds_every_audit_entry():
    built = [f"{f.relative_to(SRC)}" for f, text in _sources()
             for _ in re.finditer(r"(?<!class )\bAuditEntry\(", text)]
    assert built == ["audit/services.py"]


def test_the_log_imports_no_workflow_code():
    imports = [f.name for f in (SRC / "audit").glob("*.py")
               if re.search(r"casework\.workflow|from casework import workflow",
                            f.read_text(encoding="utf-8"))]
    assert imports == []
