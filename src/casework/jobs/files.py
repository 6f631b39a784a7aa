"""A job's result file, in the instance folder (``jobs/<id>``), never in the database.

The web process and the worker must share the instance folder (``CASEWORK_INSTANCE_PATH``).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app


def result_path(job_id: int) -> Path:
    return Path(current_app.instance_path) / "jobs" / str(int(job_id))


def save_result(job, name: str, data: bytes) -> None:
    """Write the file (whole or not at all: a temporary file renamed) and name it on the job."""
    path = result_path(job.id)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    job.result_name = name


def read_result(job) -> bytes | None:
    if not job.result_name:
        return None
    path = result_path(job.id)
    return path.read_bytes() if path.is_file() else None


def remove_result(job_id: int) -> None:
    result_path(job_id).unlink(missing_ok=True)
