"""The roles of WORKFLOWS.md. Codes are a contract; labels are shown to users."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("System administrator"),
    "police": _l("Commune/ward police"),
    "health": _l("Health station staff"),
    "social_affairs": _l("Labour–social affairs officer"),
    "commune_chair": _l("Commune/ward People's Committee chair"),
    "inspector": _l("Inspection team member"),
    "steering_committee": _l("Crime-prevention steering committee"),
    "city_authority": _l("City People's Committee"),
    "province_authority": _l("Provincial People's Committee"),
    "viewer": _l("Supervisor (read-only)"),
}

ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

# Roles that may read records about persons. `viewer` sees aggregates only, never names, and
# `admin` manages users and org units but takes no case decisions, so neither is here.
PERSONAL_READ_ROLES: frozenset[str] = frozenset(ROLES) - {"viewer", "admin"}

# Roles that manage the org-unit tree and user accounts.
ADMIN_ROLES: frozenset[str] = frozenset({"admin"})


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))
