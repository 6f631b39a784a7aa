"""The person search at national scale (issue 16): one statement gives the page and the
total, a page past the last still counts, and the area filter offers communes rather than
thousands of villages when the scope is wide, keeping the scope and diacritics rules."""

from __future__ import annotations

import re

import pytest

from casework.people import services, views
from casework.people.services import PersonQuery


def html(response) -> str:
    return response.get_data(as_text=True)


def options(text: str) -> list[str]:
    select = text.split('<select name="area">', 1)[1].split("</select>", 1)[0]
    return sorted(re.findall(r'<option value="([^"]*)"', select))


@pytest.fixture
def many(open_case):
    for n in range(7):
        open_case(days_ago=5, full_name=f"Lò Văn Tìm {n}", area_code="G12")
    open_case(days_ago=5, full_name="Nguyễn Thị Khác", area_code="G11")


def test_the_page_and_the_total_in_one_statement(app, many, make_user, db):
    from casework.auth.scope import Scope

    user = make_user("search.police", ("police", "W1"))
    scope = Scope.for_user(user)
    seen = []
    from sqlalchemy import event

    engine = db.engine

    def count(conn, cursor, statement, *args):
        if "persons" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        persons, total = services.search_persons(scope, PersonQuery(q="LO VAN TIM", per_page=3))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert total == 7 and len(persons) == 3 and len(seen) == 1
    pages = [services.search_persons(scope, PersonQuery(q="lò văn tìm", per_page=3, page=p))
             for p in (1, 2, 3, 4)]
    assert [t for _p, t in pages] == [7, 7, 7, 7]
    assert [len(p) for p, _t in pages] == [3, 3, 1, 0]
    names = [x.full_name for p, _t in pages for x in p]
    assert sorted(names) == sorted(f"Lò Văn Tìm {n}" for n in range(7))
    assert services.search_persons(scope, PersonQuery(q="zzz")) == ([], 0)
    # Outside the scope nothing is found, whatever the name.
    other = make_user("search.other", ("police", "W2"))
    assert services.search_persons(Scope.for_user(other), PersonQuery(q="lo van tim")) == ([], 0)


def test_a_wide_scope_filters_by_commune_not_by_village(page_as, many, monkeypatch):
    page = page_as("police", "C")
    assert options(html(page.get("/persons/"))) == ["", "G11", "G12", "G21"]
    monkeypatch.setattr(views, "AREA_OPTIONS", 2)  # more villages than the filter lists
    text = html(page.get("/persons/"))
    assert options(text) == ["", "W1", "W2"]
    by_ward = html(page.get("/persons/?area=W1"))
    assert "Lò Văn Tìm 0" in by_ward and "Nguyễn Thị Khác" in by_ward
    assert "Lò Văn Tìm" not in html(page.get("/persons/?area=W2"))
    # A village filtered on (a link, a bookmark) is still offered and selected.
    by_group = html(page.get("/persons/?area=G11"))
    assert options(by_group) == ["", "G11", "W1", "W2"]
    assert '<option value="G11" selected>' in by_group
    assert "Nguyễn Thị Khác" in by_group and "Lò Văn Tìm" not in by_group


def test_a_ward_police_keeps_its_groups(page_as, many):
    assert options(html(page_as("police", "W1").get("/persons/"))) == ["", "G11", "G12"]
