"""After a merger, villages keep their names, so the new ward may hold two "Tổ dân phố 1": the
person list and its area filter name the ward a group was in before (WORKFLOWS.md §6)."""

from __future__ import annotations

import sqlalchemy as sa

from casework.auth import services as auth_services
from casework.orgunits.models import OrgUnit
from tests.areas.conftest import person, user  # noqa: F401 - fixtures
from tests.conftest import PASSWORD, PageClient
from tests.plans.test_map_of_2025 import merged  # noqa: F401 - a fixture


def test_the_list_names_the_former_ward(app, db, merged, person, tree):  # noqa: F811
    person("G11", since=800)
    officer = auth_services.create_user("police.n", PASSWORD, full_name="Công an phường N")
    auth_services.grant_role(officer, "police", db.session.scalar(
        sa.select(OrgUnit).where(OrgUnit.code == "N")))
    db.session.commit()
    client = PageClient(app.test_client())
    assert client.login("police.n").status_code == 302
    html = client.get("/persons/").get_data(as_text=True)
    assert "Tổ dân phố 1 <small class=\"muted\">(trước đây thuộc Phường Một)</small>" in html
    # The area filter: each group with its ward today and the one before.
    assert "Tổ dân phố 3 (Phường Mới; trước đây thuộc Phường Hai)" in html
    assert "Tổ dân phố 4 (Phường Mới; trước đây thuộc Phường Ba)" in html


def test_a_group_that_never_moved_has_no_former_ward(page_as, person, tree):  # noqa: F811
    person("G11", since=800)
    html = page_as("police", "W1").get("/persons/").get_data(as_text=True)
    assert "trước đây" not in html
