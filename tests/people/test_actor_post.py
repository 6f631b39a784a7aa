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


def test_the_timeline_names_every_actor_without_looking_each_up(page_as, open_case, db,
                                                                  api_as):
    """Each actor's account comes with the history's own statement (joined), not one look-up
    per entry, and their role grants are not loaded to show a name."""
    from sqlalchemy import event

    from tests.people.conftest import assessment, drug_test

    case = open_case(days_ago=60)
    case.fire("health", "record_test", drug_test(50), days_ago=50)
    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=40)
    case.fire("health", "record_assessment", assessment(39), days_ago=39)
    actors = db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(sa.text("actor_id")).select_from(sa.text("audit_entries"))))).all()
    assert len(actors) == 2
    shown = []
    for number, actor in enumerate(actors):
        actor.post = f"Chức vụ {number}"
        shown.append(f"{actor.full_name or actor.username}, Chức vụ {number}")
    db.session.commit()
    del actors, actor
    db.session.expunge_all()  # nothing of theirs left in memory to be found without a query
    reader = page_as("police", "W1")
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM users" in statement or "FROM role_assignments" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        text = html.unescape(reader.get(f"/persons/{case.id}").get_data(as_text=True))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    for name_and_post in shown:
        assert name_and_post in text
    # The signed-in reader and their grants; none for the actors of the 4 entries.
    assert len(seen) == 2, seen
