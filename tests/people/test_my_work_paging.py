"""My work at scale (issue 17): one group per task with its counts, filtered by area and by
overdue, each task paged in SQL; the pages together are exactly the unpaged list."""

from __future__ import annotations

import re
from html import unescape

import pytest

from casework.auth.models import User
from casework.auth.scope import Scope
from casework.extensions import db
from casework.web.work import WorkFilter, area_choices, work_for, work_lists
from casework.workflow.deadlines import today_local

pytestmark = pytest.mark.usefixtures("law73")

LETTERS = "ABCDEGHIKLMNOPQRSTUVXY"


def html(response) -> str:
    return unescape(response.get_data(as_text=True))


def names_in(page: str) -> list[str]:
    return re.findall(r">(Người Thử [A-Za-z]+)</a>", page)


@pytest.fixture
def crowd(open_case):
    """32 suspected persons: 29 in G11 (20 opened 800 days ago: overdue; 9 yesterday),
    3 in G12 (opened yesterday). The test is due 10 days after opening."""
    cases = []
    for i in range(32):
        name = f"Người Thử {LETTERS[i % len(LETTERS)]}{LETTERS[i // len(LETTERS)]}"
        old = i < 20
        cases.append(open_case(days_ago=800 if old else 1, full_name=name,
                               area_code="G12" if i >= 29 else "G11"))
    return cases


def test_a_task_is_counted_and_paged_in_groups(crowd, page_as):
    health = page_as("health")
    work = html(health.get("/my-work"))
    assert "Ghi kết quả xét nghiệm" in work
    assert "32 việc" in work and "20 quá hạn" in work
    assert len(names_in(work)) == 10  # the overview shows the first rows of each task
    link = re.search(r'href="(/my-work\?group=[^"]+)"', work).group(1)
    first = html(health.get(link))
    assert len(names_in(first)) == 25 and "Trang 1/2" in first
    second = html(health.get(link + "&page=2"))
    assert len(names_in(second)) == 7 and "Trang 2/2" in second
    seen = names_in(first) + names_in(second)
    assert len(set(seen)) == 32 == len(seen)
    # A page past the end shows the last page; a page before the first, the first.
    assert names_in(html(health.get(link + "&page=9"))) == names_in(second)
    assert names_in(html(health.get(link + "&page=0"))) == names_in(first)


def test_filters_by_area_and_overdue(crowd, page_as):
    health = page_as("health")
    work = html(health.get("/my-work"))
    assert "Tổ dân phố 1 (29)" in work and "Tổ dân phố 2 (3)" in work
    by_area = html(health.get("/my-work?area=G12"))
    assert sorted(names_in(by_area)) == sorted(c.body["full_name"] for c in crowd[29:])
    late = html(health.get("/my-work?overdue=1&group=person0-health"))
    assert len(names_in(late)) == 20 and "quá hạn" in late
    assert "Không có việc nào khớp" in html(health.get("/my-work?area=G12&overdue=1"))
    # An area outside the choices is ignored, not an error.
    assert len(names_in(html(health.get("/my-work?area=D")))) == 10


def test_the_pages_equal_the_unpaged_list(crowd, app):
    """The SQL counts and pages against the same items filtered in Python."""
    user = db.session.scalar(db.select(User).where(User.username.like("health%")))
    scope = Scope.for_user(user)
    today = today_local()
    with app.test_request_context():
        everything = work_for(user, scope, today)
        areas = area_choices(scope)
        for area in [None, *areas]:
            for overdue in (False, True):
                flt = WorkFilter(today, area.path if area else None, overdue)
                expected = [i for i in everything
                            if (area is None or i.unit_path.startswith(area.path))
                            and (not overdue or i.overdue_on(today))]
                paged, late, per_area = [], 0, {}
                for wl in work_lists(user, scope, today):
                    count, wl_late = wl.counts(flt)
                    late += wl_late
                    first = wl.page(flt, 1, 9)
                    assert first.total == count and first.pages == max(-(-count // 9), 1)
                    for number in range(1, first.pages + 1):
                        paged += wl.page(flt, number, 9).items
                    for unit_id, n in wl.by_area(flt, areas).items():
                        per_area[unit_id] = per_area.get(unit_id, 0) + n
                assert sorted(map(repr, paged)) == sorted(map(repr, expected))
                assert late == sum(1 for i in expected if i.overdue_on(today))
                assert per_area == {a.id: n for a in areas if (n := sum(
                    1 for i in expected if i.unit_path.startswith(a.path)))}


def test_signing_in_lands_on_my_work(pages, make_user):
    make_user("someone", ("health", "W1"))
    assert pages.login("someone").headers["Location"] == "/my-work"
