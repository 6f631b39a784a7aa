"""A history shows the actor's post (official title) beside their name (users.post)."""

from __future__ import annotations

import html

import sqlalchemy as sa

from casework.auth.models import RoleAssignment, User


def test_the_timeline_shows_the_actors_post(page_as, open_case, db):
    case = open_case(days_ago=30)
    police = db.session.scalar(sa.select(User).join(RoleAssignment).where(
        RoleAssignment.role == "police"))
    police.post = "Trưởng Công an phường"
    db.session.commit()
    text = html.unescape(page_as("health").get(f"/persons/{case.id}").get_data(as_text=True))
    assert f"{police.username}, Trưởng Công an phường (Công an xã/phường)" in text
