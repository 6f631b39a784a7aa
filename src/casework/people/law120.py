"""Rules of the person workflow's version 2 (Law 120/2025/QH15, WORKFLOWS.md §7).

Every term is a param of the version judging the event (``workflows/person.v2.yaml``), where
each one carries its basis and source; none is written here.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS
from casework.people.models import RehabEpisode
from casework.people.rules import _open_episode, _show, _target_unit, law_term
from casework.workflow.deadlines import add_months
from casework.workflow.registry import rule

VOLUNTARY = ("community", "facility")


def earlier_episodes(person_id: int | None) -> int:
    """How many rehab episodes of any kind (completed or not) the person had before."""
    if person_id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RehabEpisode)
        .where(RehabEpisode.person_id == person_id)) or 0


@rule("planned_term_by_episodes",
      _l("voluntary rehab is planned for the term of a first or a later episode"))
def planned_term_by_episodes(record, data, context):
    """24 months the first time, 36 from the second (parameters.rehab_first_months,
    rehab_repeat_months); every earlier episode of any kind counts."""
    later = earlier_episodes(record.id) > 0
    months = law_term(context, "rehab_repeat_months" if later else "rehab_first_months")
    if data.get("planned_months") != months:
        if later:
            return _("The person has been in rehab before: voluntary rehab is planned for "
                     "%(n)d months.", n=months)
        return _("A first voluntary rehab is planned for %(n)d months.", n=months)
    return True


@rule("rehab_served_stored_term",
      _l("rehab lasted the least term fixed when it started"))
def rehab_served_stored_term(record, data, context):
    """The least term was stored on the episode under the law of its start (WORKFLOWS.md §7):
    a rehab begun under Law 73 completes after 6 months; one begun under Law 120 at its
    planned end."""
    episode = _open_episode(record.id, VOLUNTARY)
    if episode is None:
        return _("The person has no open rehab episode.")
    least = episode.min_months if episode.min_months is not None else episode.planned_months
    earliest = add_months(episode.start_date, least)
    done: date | None = data.get("completion_date") if data else None
    if done is None or done < earliest:
        return _("Rehab can be completed on %(date)s at the earliest (%(n)d months after it "
                 "started).", date=_show(earliest), n=least)
    return True


@rule("transfer_target_exists",
      _l("the new area is another residential group or village"))
def transfer_target_exists(record, data, context):
    """Version 2: the record moves at once and the receiving commune police acknowledge it
    (acknowledge_transfer) within parameters.transfer_notice_hours."""
    unit = _target_unit(data.get("to_area_code"))
    if unit is None:
        return _("There is no area with the code %(code)s.", code=data.get("to_area_code"))
    if unit.kind not in LEAF_KINDS:
        return _("A person is managed in a residential group or a village.")
    if unit.id == record.workflow_org_unit().id:
        return _("The person is already managed in this area.")
    return True
