"""The hierarchy of org units, over time (WORKFLOWS.md "Org units and areas" and §6).

Today: province > ward/commune/special zone > residential group/village. Before 2025-07-01 a
city or district stood between the province and the wards; such units remain for history.

A unit exists from ``valid_from`` to ``valid_to`` (its last day; both open when null). Its place
in the tree is kept with dates in ``org_unit_links``: one row per period, the latest one mirrored
on the unit itself (``parent_id``, ``path``, ``depth``), so that queries of today's subtree stay
one index range scan. Successions (``successions``) say which units ended and which took their
place, on which date and on which legal basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from casework.db import Base, TimestampMixin, UTCDateTime, utcnow

KIND_LABELS = {
    "province": _l("Province"),
    "city": _l("City"),
    "district": _l("District"),
    "ward": _l("Ward"),
    "commune": _l("Commune"),
    "special_zone": _l("Special zone"),
    "residential_group": _l("Residential group"),
    "village": _l("Village"),
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

# Which kinds may sit directly under which. Today a ward, commune or special zone sits under
# its province; before 2025-07-01 it sat under a city or district, which may stand alone (the
# province is optional).
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    "province": (None,),
    "city": (None, "province"),
    "district": (None, "province"),
    "ward": ("province", "city", "district"),
    "commune": ("province", "city", "district"),
    "special_zone": ("province", "city", "district"),
    "residential_group": ("ward", "commune", "special_zone"),
    "village": ("ward", "commune", "special_zone"),
}

# Residential groups and villages are where persons live.
LEAF_KINDS: frozenset[str] = frozenset({"residential_group", "village"})
# Wards, communes and special zones: the commune-level units, whose People's Committee and
# police manage the persons.
COMMUNE_KINDS: frozenset[str] = frozenset({"ward", "commune", "special_zone"})

# The path column compares byte by byte on PostgreSQL too, so that a subtree is one index
# range scan (see `subtree_clause`).
_PATH_TYPE = sa.String(512).with_variant(sa.String(512, collation="C"), "postgresql")


class OrgUnit(TimestampMixin, Base):
    """One unit of the hierarchy, with a materialised path for cheap subtree queries.

    ``path`` is the chain of ids from the root, each followed by a dot: ``"1.5.23."``. A unit's
    subtree is every row whose path starts with its own path.
    """

    __tablename__ = "org_units"
    # Changes to a unit's attributes are logged per unit (casework.audit.changes).
    __record_type__ = "org_unit"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('province', 'city', 'district', 'ward', 'commune', 'special_zone', "
            "'residential_group', 'village')",
            name="kind",
        ),
        sa.CheckConstraint("depth >= 0", name="depth"),
        # valid_to is the last day the unit existed: never before its first.
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                           name="valid_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(_PATH_TYPE, index=True)
    depth: Mapped[int] = mapped_column(default=0)
    # A commune or ward in a remote or mountainous area, where travel is hard (Decree
    # 105/2021 Art 41.1): verifying a drug user's residence may take up to 10 working days
    # instead of 3. Set by the admin; read through `orgunits.services.remote_on`.
    remote: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The first and the last day the unit existed; null: since always, still exists.
    valid_from: Mapped[date | None] = mapped_column(sa.Date())
    valid_to: Mapped[date | None] = mapped_column(sa.Date())

    parent: Mapped[OrgUnit | None] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[OrgUnit]] = relationship(
        back_populates="parent", order_by="OrgUnit.name"
    )

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def valid_on(self, day: date) -> bool:
        """Whether the unit existed on ``day``."""
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    @property
    def ended(self) -> bool:
        return self.valid_to is not None

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split(".") if part]

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.kind}>"


def subtree_clause(path_column, path: str):
    """SQL condition: ``path_column`` is ``path`` or below it.

    A half-open range rather than LIKE: it uses the plain index on both databases. The upper
    bound swaps the trailing dot for the next character, "/".
    """
    return sa.and_(path_column >= path, path_column < path[:-1] + "/")


class OrgUnitLink(Base):
    """One period of a unit's place in the tree: its parent and path from ``valid_from`` to
    ``valid_to`` (inclusive; open when null).

    Every unit has at least one link; the periods of one unit do not overlap, and its latest
    one is copied on the unit (``parent_id``, ``path``, ``depth``). A link closes when the unit
    moves (or when an ancestor moves, since the path changes) and when the unit ends. Ids are
    never reused, so "X was in G's subtree at some time" is "some link path of X starts with
    some link path of G".
    """

    __tablename__ = "org_unit_links"
    __table_args__ = (
        sa.CheckConstraint("depth >= 0", name="depth"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                           name="valid_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(_PATH_TYPE, index=True)
    depth: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date | None] = mapped_column(sa.Date())
    valid_to: Mapped[date | None] = mapped_column(sa.Date())

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    def __repr__(self) -> str:
        return f"<OrgUnitLink {self.unit_id} {self.path} {self.valid_from}..{self.valid_to}>"


SUCCESSION_KINDS: tuple[str, ...] = ("merge", "split", "rename", "move")
SUCCESSION_KIND_LABELS = {
    "merge": _l("Merger"),
    "split": _l("Split"),
    "rename": _l("Renaming"),
    "move": _l("Move"),
}


class Succession(Base):
    """Units that ended or moved on ``on_date`` and the units that took their place, with the
    legal basis (WORKFLOWS.md §6). Written once, after a dry run; its audit chain is
    ``("succession", id)``."""

    __tablename__ = "successions"
    __record_type__ = "succession"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('merge', 'split', 'rename', 'move')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    on_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    basis: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))

    units: Mapped[list[SuccessionUnit]] = relationship(back_populates="succession",
                                                      order_by="SuccessionUnit.id")

    @property
    def kind_label(self) -> str:
        return str(SUCCESSION_KIND_LABELS.get(self.kind, self.kind))

    def side(self, side: str) -> list[OrgUnit]:
        return [link.unit for link in self.units if link.side == side]


class SuccessionUnit(Base):
    """A unit on one side of a succession: ``old`` (ended, or moved away) or ``new``."""

    __tablename__ = "succession_units"
    __table_args__ = (
        sa.CheckConstraint("side IN ('old', 'new')", name="side"),
        sa.UniqueConstraint("succession_id", "unit_id", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    succession_id: Mapped[int] = mapped_column(
        sa.ForeignKey("successions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    side: Mapped[str] = mapped_column(sa.String(3))

    succession: Mapped[Succession] = relationship(back_populates="units")
    unit: Mapped[OrgUnit] = relationship()


# --- open records, for the dry run of a succession ------------------------------------------


@dataclass(frozen=True)
class OpenRecords:
    """A kind of record attached to org units, as a feature registers it: how to count the
    open ones on given units, and whether one attached *directly* to a commune-level unit that
    ends is a conflict (it would be left in an ended unit, with no successor place)."""

    key: str
    label: object
    model: type
    open_clause: object = None
    conflict_when_direct: bool = False


OPEN_RECORDS: dict[str, OpenRecords] = {}


def register_open_records(key: str, label, model, open_clause=None, *,
                          conflict_when_direct: bool = False) -> None:
    """Called by a feature's models module: its records count in a succession's dry run.
    ``model`` has an ``org_unit_id`` column; ``open_clause`` selects its open rows (None: all
    rows)."""
    OPEN_RECORDS[key] = OpenRecords(key, label, model, open_clause, conflict_when_direct)


# Who holds roles on units, for a succession's dry run: auth registers it (users and their
# assignments stand on org units, so orgunits never imports auth).
ASSIGNMENT_FINDERS: list = []


def register_assignment_finder(finder) -> None:
    """``finder(unit_ids)`` returns [{"username", "role", "unit"}] for those units."""
    ASSIGNMENT_FINDERS[:] = [finder]


# --- the tree's generation ---------------------------------------------------------------------
# Bumped whenever a flush writes a unit, a dated place or a succession, so that what was
# computed from the tree in this process (a user's scope, auth.scope) is computed again.
_generation = [0]


def tree_generation() -> int:
    return _generation[0]


@sa.event.listens_for(Session, "after_flush")
def _tree_changed(session, _context) -> None:
    if any(isinstance(obj, OrgUnit | OrgUnitLink | Succession | SuccessionUnit)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        _generation[0] += 1


@sa.event.listens_for(Session, "after_rollback")
def _tree_rolled_back(_session) -> None:
    _generation[0] += 1
