"""The "my work" list: features contribute lists of the items waiting for a user's roles.

A feature registers a source with :func:`work_source`; a source returns one
:class:`WorkList` per task (e.g. "Record the drug test", for the health role). The page shows
the lists as groups with their counts, filtered by area and by overdue, and pages each list.

A list over many records is a :class:`QueryList`: counted, grouped by area and paged in SQL
(``db.paginate``), so that an officer with hundreds of items loads one page of them. A list
that a feature can only compute in Python (a few records per unit: recognition requests,
reviews, areas whose criteria broke) is an :class:`ItemList`. A source must query through the
caller's scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from casework.auth.scope import Scope
from casework.extensions import db
from casework.orgunits.models import OrgUnit


@dataclass(frozen=True)
class WorkItem:
    title: str            # what to do, in the user's language
    subject: str          # the record it concerns (a person's name, an area's name)
    url: str              # where to do it
    due: date | None      # the legal deadline, if any
    role: str             # the role the item is waiting for
    kind: str = ""        # a short machine name, e.g. "record_test", "recomplicate"
    area: str = ""        # the name of the record's unit
    unit_path: str = ""   # the record's unit's path (for the area filter)

    def overdue_on(self, today: date) -> bool:
        return self.due is not None and self.due < today


@dataclass(frozen=True)
class WorkFilter:
    """What the page asks for: items in the subtree of ``area_path`` (None: all), only the
    overdue ones, judged on ``today``."""

    today: date
    area_path: str | None = None
    overdue: bool = False


@dataclass
class Page:
    items: list[WorkItem]
    page: int
    pages: int
    total: int


class WorkList:
    """The items of one task for one role."""

    key: str
    title: str
    role: str

    def counts(self, flt: WorkFilter) -> tuple[int, int]:  # pragma: no cover - abstract
        """(items, overdue items) under ``flt``."""
        raise NotImplementedError

    def by_area(self, flt: WorkFilter, areas: list[OrgUnit]) -> Counter:  # pragma: no cover
        """How many items lie under each of ``areas`` (by unit id)."""
        raise NotImplementedError

    def page(self, flt: WorkFilter, page: int, per_page: int) -> Page:  # pragma: no cover
        raise NotImplementedError


@dataclass
class QueryList(WorkList):
    """A task's items as one SQL query: ``stmt`` selects one entity per item, ``unit`` is the
    column of its org unit, ``due`` the column of its deadline (None: undated), ``to_item``
    makes the item of a row. Ordered by deadline (undated last), then by ``order``."""

    key: str
    title: str
    role: str
    stmt: sa.Select
    unit: sa.ColumnElement
    to_item: Callable[[object], WorkItem]
    due: sa.ColumnElement | None = None
    order: tuple = ()

    def _filtered(self, flt: WorkFilter) -> sa.Select:
        stmt = self.stmt
        if flt.area_path is not None:
            stmt = stmt.where(self.unit.in_(
                sa.select(OrgUnit.id).where(OrgUnit.path.startswith(flt.area_path))))
        if flt.overdue:
            stmt = stmt.where(self.due < flt.today) if self.due is not None else \
                stmt.where(sa.false())
        return stmt

    def _rows(self, flt: WorkFilter):
        due = self.due if self.due is not None else sa.null()
        return self._filtered(flt).with_only_columns(
            self.unit.label("unit_id"), due.label("due")).subquery()

    def counts(self, flt: WorkFilter) -> tuple[int, int]:
        rows = self._rows(flt)
        if self.due is None:
            return int(db.session.scalar(sa.select(sa.func.count()).select_from(rows))), 0
        late = sa.func.coalesce(sa.func.sum(sa.case((rows.c.due < flt.today, 1), else_=0)), 0)
        total, overdue = db.session.execute(
            sa.select(sa.func.count(), late).select_from(rows)).one()
        return int(total), int(overdue)

    def by_area(self, flt: WorkFilter, areas: list[OrgUnit]) -> Counter:
        if not areas:
            return Counter()
        rows = self._rows(flt)
        unit, area = sa.orm.aliased(OrgUnit), sa.orm.aliased(OrgUnit)
        found = db.session.execute(
            sa.select(area.id, sa.func.count())
            .select_from(rows)
            .join(unit, unit.id == rows.c.unit_id)
            .join(area, unit.path.startswith(area.path))
            .where(area.id.in_([a.id for a in areas]))
            .group_by(area.id)).all()
        return Counter(dict(found))

    def page(self, flt: WorkFilter, page: int, per_page: int) -> Page:
        stmt = self._filtered(flt)
        if self.due is not None:
            stmt = stmt.order_by(self.due.is_(None), self.due)
        stmt = stmt.order_by(*self.order)
        paged = db.paginate(stmt, page=page, per_page=per_page, max_per_page=per_page,
                            error_out=False)
        if paged.pages and paged.page > paged.pages:  # past the end: the last page
            paged = db.paginate(stmt, page=paged.pages, per_page=per_page,
                                max_per_page=per_page, error_out=False)
        return Page([self.to_item(row) for row in paged.items], paged.page,
                    max(paged.pages, 1), paged.total or 0)


@dataclass
class ItemList(WorkList):
    """A task's items computed in Python (a few per unit), filtered and paged here."""

    key: str
    title: str
    role: str
    items: list[WorkItem] = field(default_factory=list)

    def _filtered(self, flt: WorkFilter) -> list[WorkItem]:
        items = self.items
        if flt.area_path is not None:
            items = [i for i in items if i.unit_path.startswith(flt.area_path)]
        if flt.overdue:
            items = [i for i in items if i.overdue_on(flt.today)]
        return sorted(items, key=lambda i: (i.due is None, i.due or date.max, i.subject))

    def counts(self, flt: WorkFilter) -> tuple[int, int]:
        items = self._filtered(flt)
        return len(items), sum(1 for i in items if i.overdue_on(flt.today))

    def by_area(self, flt: WorkFilter, areas: list[OrgUnit]) -> Counter:
        found: Counter = Counter()
        for item in self._filtered(flt):
            for area in areas:
                if item.unit_path.startswith(area.path):
                    found[area.id] += 1
        return found

    def page(self, flt: WorkFilter, page: int, per_page: int) -> Page:
        items = self._filtered(flt)
        pages = max((len(items) + per_page - 1) // per_page, 1)
        page = min(max(page, 1), pages)
        return Page(items[(page - 1) * per_page:page * per_page], page, pages, len(items))


WorkSource = Callable[[object, Scope, date], list[WorkList]]
_SOURCES: list[WorkSource] = []


def work_source(func: WorkSource) -> WorkSource:
    """Decorator: ``func(user, scope, today)`` returns the task lists it knows of."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def work_lists(user, scope: Scope, today: date) -> list[WorkList]:
    """Every source's task lists for ``user``."""
    return [wl for source in _SOURCES for wl in source(user, scope, today)]


def work_for(user, scope: Scope, today: date) -> list[WorkItem]:
    """Every item of every list, overdue and soonest first, undated last (for a caller that
    needs them all, e.g. a reminder; the page uses the lists)."""
    flt = WorkFilter(today)
    items: list[WorkItem] = []
    for wl in work_lists(user, scope, today):
        total, _late = wl.counts(flt)
        if total:
            items += wl.page(flt, 1, total).items
    return sorted(items, key=lambda i: (i.due is None, i.due or date.max, i.subject))


def area_choices(scope: Scope) -> list[OrgUnit]:
    """The units the area filter offers: those directly under each unit the user has a role
    over (the user's own units when nothing is below them)."""
    ids = {g.org_unit_id for g in scope.grants}
    if not ids:
        return []
    children = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.parent_id.in_(ids)).order_by(OrgUnit.name)).all()
    return list(children) or list(db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.name)))
