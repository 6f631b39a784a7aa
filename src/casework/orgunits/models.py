"""The hierarchy of org units: province > city > ward/commune > residential group/village."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, TimestampMixin

KIND_LABELS = {
    "province": _l("Province"),
    "city": _l("City"),
    "ward": _l("Ward"),
    "commune": _l("Commune"),
    "residential_group": _l("Residential group"),
    "village": _l("Village"),
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

# Which kinds may sit directly under which. A city may stand alone (the province is optional).
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    "province": (None,),
    "city": (None, "province"),
    "ward": ("city",),
    "commune": ("city",),
    "residential_group": ("ward", "commune"),
    "village": ("ward", "commune"),
}

# Residential groups and villages are where persons live.
LEAF_KINDS: frozenset[str] = frozenset({"residential_group", "village"})
# Wards and communes: the units whose People's Committee and police manage the persons.
COMMUNE_KINDS: frozenset[str] = frozenset({"ward", "commune"})

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
            "kind IN ('province', 'city', 'ward', 'commune', 'residential_group', 'village')",
            name="kind",
        ),
        sa.CheckConstraint("depth >= 0", name="depth"),
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

    parent: Mapped[OrgUnit | None] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[OrgUnit]] = relationship(
        back_populates="parent", order_by="OrgUnit.name"
    )

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

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
