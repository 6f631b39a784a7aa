"""A refused step leaves no file on disk: files are written for good only when the step
commits (casework.storage), and a file another committed row uses is never removed."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from casework import storage
from casework.recognition.models import RecognitionAttachment
from tests.areas.conftest import day_ago

PDF = b"%PDF-1.4\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% another\n%%EOF\n"


@pytest.fixture
def files_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(folder))
    return folder


def on_disk(folder) -> list[str]:
    """Every file in the folder, staged ones included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attachments(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecognitionAttachment))


@pytest.fixture
def draft(page_as, ready_area):
    """(police page client, id) of a draft request for G11, ready to be submitted."""
    ready_area("G11")
    police = page_as("police", "W1")
    created = police.post("/recognition/new", data={"area_code": "G11"})
    return police, int(re.search(r"/recognition/(\d+)", created.headers["Location"]).group(1))


def submit(police, request_id, version="1", content=PDF, **extra):
    data = {f"met_C{i}": "on" for i in range(1, 9)}
    data.update(version=version, files=(io.BytesIO(content), "ho-so.pdf"), **extra)
    return police.post(f"/recognition/{request_id}/events/submit", data=data,
                       content_type="multipart/form-data")


def test_a_step_refused_by_a_rule_leaves_no_file(draft, files_dir, fact, db):
    police, request_id = draft
    fact("G11", "ring", description="Nhóm mua bán", found_date=day_ago(1))  # C2 not met
    response = submit(police, request_id)
    assert response.status_code == 422
    assert on_disk(files_dir) == [] and attachments(db) == 0


def test_a_stale_step_leaves_no_file(draft, files_dir, db):
    police, request_id = draft
    response = submit(police, request_id, version="7")
    assert response.status_code == 409
    assert on_disk(files_dir) == [] and attachments(db) == 0


def test_files_with_a_step_that_takes_none_leave_no_file(draft, files_dir, db):
    police, request_id = draft
    response = police.post(f"/recognition/{request_id}/events/withdraw", data={
        "version": "1", "reason": "Rút", "files": (io.BytesIO(PDF), "ho-so.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert on_disk(files_dir) == [] and attachments(db) == 0


def test_a_step_that_commits_keeps_its_file_and_nothing_else(draft, files_dir, db):
    police, request_id = draft
    response = submit(police, request_id)
    assert response.status_code == 302
    (attachment,) = db.session.scalars(sa.select(RecognitionAttachment))
    assert on_disk(files_dir) == [attachment.sha256]
    assert (files_dir / attachment.sha256).read_bytes() == PDF


def test_a_refused_step_keeps_a_file_that_a_committed_row_uses(draft, files_dir, fact, db,
                                                             chain, ready_area, page_as):
    police, request_id = draft
    # The same content, attached and committed on another request first.
    ready_area("G12")
    other = page_as("police", "W1")
    created = other.post("/recognition/new", data={"area_code": "G12"})
    other_id = int(re.search(r"/recognition/(\d+)", created.headers["Location"]).group(1))
    assert other.post(f"/recognition/{other_id}/files",
                      data={"file": (io.BytesIO(PDF), "ban-sao.pdf")},
                      content_type="multipart/form-data").status_code == 302
    kept = on_disk(files_dir)
    assert len(kept) == 1
    fact("G11", "ring", description="Nhóm mua bán", found_date=day_ago(1))
    assert submit(police, request_id).status_code == 422
    assert submit(police, request_id, content=OTHER_PDF).status_code == 422
    assert on_disk(files_dir) == kept and attachments(db) == 1


def test_staged_files_follow_the_transaction(app, db, tmp_path):
    target = tmp_path / "f" / "abc"
    storage.stage(db.session, target, b"one")
    assert storage.staged(db.session) == [target] and not target.exists()
    db.session.rollback()
    assert list((tmp_path / "f").iterdir()) == []

    storage.stage(db.session, target, b"two")
    with db.session.begin_nested():
        pass
    assert not target.exists()  # a savepoint's commit is not the step's
    nested = db.session.begin_nested()
    nested.rollback()  # a savepoint's rollback leaves the outer transaction's files alone
    assert storage.staged(db.session) == [target]
    db.session.commit()
    assert target.read_bytes() == b"two" and storage.staged(db.session) == []

    other = tmp_path / "f" / "def"
    storage.stage(db.session, other, b"three")
    db.session.close()  # a request that ended without a commit
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["abc"]


def test_an_existing_file_is_neither_staged_nor_removed(db, tmp_path):
    target = tmp_path / "abc"
    target.write_bytes(b"committed before")
    storage.stage(db.session, target, b"committed before")
    assert storage.staged(db.session) == []
    db.session.rollback()
    assert target.read_bytes() == b"committed before"
