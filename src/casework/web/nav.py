"""The navigation bar: which sections each role sees."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.auth.roles import PERSONAL_READ_ROLES


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[str] | None = None  # None: every signed-in user

    def visible_to(self, roles: set[str]) -> bool:
        return self.roles is None or bool(self.roles & roles)


NAV_ITEMS: list[NavItem] = [
    NavItem("web.home", _l("Overview")),
    NavItem("web.my_work", _l("My work"), PERSONAL_READ_ROLES),
    NavItem("persons.index", _l("Persons"), PERSONAL_READ_ROLES),
    NavItem("imports.index", _l("Import and export")),
    NavItem("areas.index", _l("Areas")),
    NavItem("areas.dashboard", _l("Dashboard")),
    NavItem("recognition.inbox", _l("Approvals"),
            frozenset({"inspector", "steering_committee", "city_authority", "commune_chair",
                       "province_authority"})),
    NavItem("reviews.index", _l("Annual review"),
            frozenset({"police", "commune_chair", "province_authority"})),
    NavItem("plans.index", _l("Plans")),
    NavItem("workflows.index", _l("Workflows")),
    NavItem("admin.users", _l("Users"), frozenset({"admin"})),
]


def nav_for_current_user() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    roles = current_user.roles
    items = []
    for item in NAV_ITEMS:
        if item.visible_to(roles):
            items.append({
                "url": url_for(item.endpoint),
                "label": str(item.label),
                "active": request.endpoint == item.endpoint
                or (request.endpoint or "").split(".")[0] == item.endpoint.split(".")[0]
                and item.endpoint != "web.home",
            })
    return items
