"""The "my work" list: features contribute the items waiting for a user's roles.

A feature registers a source with :func:`work_source`; the page asks every source and sorts
the items, most urgent first. A source must query through the caller's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from casework.auth.scope import Scope


@dataclass(frozen=True)
class WorkItem:
    title: str            # what to do, in the user's language
    subject: str          # the record it concerns (a person's name, an area's name)
    url: str              # where to do it
    due: date | None      # the legal deadline, if any
    role: str             # the role the item is waiting for
    kind: str = ""        # a short machine name, e.g. "record_test", "recomplicate"

    def overdue_on(self, today: date) -> bool:
        return self.due is not None and self.due < today


WorkSource = Callable[[object, Scope, date], list[WorkItem]]
_SOURCES: list[WorkSource] = []


def work_source(func: WorkSource) -> WorkSource:
    """Decorator: ``func(user, scope, today)`` returns the work items it knows of."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def work_for(user, scope: Scope, today: date) -> list[WorkItem]:
    """Every source's items for ``user``, overdue and soonest first, undated last."""
    items = [item for source in _SOURCES for item in source(user, scope, today)]
    return sorted(items, key=lambda i: (i.due is None, i.due or date.max, i.subject))
