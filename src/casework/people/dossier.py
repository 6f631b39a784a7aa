"""The compulsory-rehab dossier of the person workflow, as WORKFLOWS.md §8 corrects it:
coded grounds that fit the person's state and age (Law 73/2021 Art 32, 33.1) and the legal
basis the dossier is compiled under (Art 34 for ages 12 to 17).

Rules get ``(record, data, context)`` and return True or the reason they fail, in the
user's language; effects add their facts to the event's data (``context.derived``), where
the audit entry and the pages read them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.extensions import db
from casework.people.identity import ADULT_AGE
from casework.people.models import RehabEpisode
from casework.people.rules import age_at_event, close_episode
from casework.workflow.registry import effect, rule

VOLUNTARY_STATES = ("rehab_community", "rehab_facility")
ADDICT_STATES = ("addict", "relapsed")

# The grounds of a compulsory-rehab dossier (WORKFLOWS.md §8) and the states each can arise
# in: Law 73/2021 Art 32 (adults) and Art 33.1 (ages 12–17).
GROUNDS_STATES: dict[str, tuple[str, ...]] = {
    "not_registered": ADDICT_STATES,          # Art 32.1, 33.1.a
    "not_started": ADDICT_STATES,             # Art 32.1, 33.1.a (Decree 116 Art 28.1)
    "quit_voluntary": VOLUNTARY_STATES,       # Art 32.1, 33.1.a
    "used_during_voluntary": VOLUNTARY_STATES,  # Art 32.2, 33.1.b
    "methadone_terminated": ("addict",),      # Art 32.3, 33.1.c (Decree 116 Art 28.2)
    "relapse_post_rehab": ("relapsed",),      # Art 32.4, adults only
}
GROUNDS = tuple(GROUNDS_STATES)
GROUNDS_LABELS = {
    "not_registered": _l("Did not register for rehab"),
    "not_started": _l("Did not start rehab within 5 working days"),
    "quit_voluntary": _l("Quit voluntary rehab"),
    "used_during_voluntary": _l("Used drugs during voluntary rehab"),
    "methadone_terminated": _l("Substitution treatment terminated"),
    "relapse_post_rehab": _l("Relapsed during post-rehab management"),
}
ADULTS_ONLY = frozenset({"relapse_post_rehab"})

# The legal basis a dossier is compiled under, recorded with the event that opens it.
ADULT_BASIS = "law73_art32"
MINOR_BASIS = "law73_art33_34"
LEGAL_BASIS_LABELS = {
    ADULT_BASIS: _l("Law 73/2021 Art 32: compulsory rehab of an adult, an administrative "
                    "measure"),
    MINOR_BASIS: _l("Law 73/2021 Art 33 and 34: a person aged 12 to 17; the dossier is "
                    "compiled under Art 34 and the court's decision is not an administrative "
                    "measure"),
}


def legal_basis(record, context) -> str:
    """Art 34 for ages 12 to 17 on the event's date, Art 32 for adults."""
    return ADULT_BASIS if age_at_event(record, context) >= ADULT_AGE else MINOR_BASIS


def _grounds_label(code: str) -> str:
    return str(GROUNDS_LABELS.get(code, code))


# --- the compulsory-rehab dossier -------------------------------------------------------------


def _latest_episode(person_id: int) -> RehabEpisode | None:
    return db.session.scalar(
        sa.select(RehabEpisode).where(RehabEpisode.person_id == person_id)
        .order_by(RehabEpisode.start_date.desc(), RehabEpisode.id.desc()).limit(1))


@rule("dossier_grounds_fit_state", _l("the grounds of the dossier fit the person's state"))
def dossier_grounds_fit_state(record, data, context):
    """Each ground arises in some states only (WORKFLOWS.md §8): use or quitting during
    voluntary rehab from a rehab state; not registering or not starting from addict or
    relapsed; a terminated substitution treatment when the person's latest treatment was
    terminated; a relapse after post-rehab from relapsed."""
    grounds = data.get("grounds")
    if grounds is None:
        return True
    label = _grounds_label(grounds)
    if record.state not in GROUNDS_STATES.get(grounds, ()):
        if grounds in ("quit_voluntary", "used_during_voluntary"):
            return _("“%(grounds)s” applies only to a person in voluntary rehab.", grounds=label)
        if grounds in ("not_registered", "not_started"):
            return _("“%(grounds)s” applies to an addict who has not begun rehab.",
                     grounds=label)
        if grounds == "relapse_post_rehab":
            return _("“%(grounds)s” applies only to a person who relapsed after rehab.",
                     grounds=label)
        return _("“%(grounds)s” applies only after the substitution treatment was "
                 "terminated.", grounds=label)
    if grounds == "methadone_terminated":
        episode = _latest_episode(record.id)
        if episode is None or episode.kind != "methadone" or episode.outcome != "terminated":
            return _("“%(grounds)s” applies only after the substitution treatment was "
                     "terminated.", grounds=label)
    return True


@rule("dossier_grounds_fit_age", _l("relapse after post-rehab is a ground for adults only"))
def dossier_grounds_fit_age(record, data, context):
    """Law 73/2021 Art 32.4 is for adults; Art 33.1 lists the grounds of ages 12 to 17 and
    relapse during post-rehab management is not among them."""
    if data.get("grounds") in ADULTS_ONLY and age_at_event(record, context) < ADULT_AGE:
        return _("Relapse during post-rehab management is a ground for compulsory rehab of "
                 "adults only (Law Art 32.4); for ages 12 to 17 the law lists other grounds "
                 "(Art 33.1).")
    return True


@effect("open_dossier", _l("records the legal basis of the dossier"),
        derives=("legal_basis",))
def open_dossier(record, data, context):
    """The dossier of a person aged 12 to 17 is compiled under Law Art 34 (an adult's under
    Art 32 and the Law on Handling Administrative Violations): the event says which. From a
    rehab state, the voluntary rehab episode ends here."""
    context.derived["legal_basis"] = legal_basis(record, context)
    if context.from_state in VOLUNTARY_STATES:
        outcome = "abandoned" if data.get("grounds") == "quit_voluntary" else "terminated"
        close_episode(record, ("community", "facility"), context.effective_date, outcome)


@effect("abandon_voluntary_rehab",
        _l("closes the rehab episode as abandoned and opens the dossier"),
        derives=("grounds", "legal_basis"))
def abandon_voluntary_rehab(record, data, context):
    """Quitting voluntary rehab is a ground for compulsory rehab at every age from 12 (Law
    Art 32.1, 33.1.a): the move to compulsory_dossier records the grounds `quit_voluntary`
    and the legal basis, like a dossier opened by the police."""
    close_episode(record, ("community", "facility"), context.effective_date, "abandoned")
    context.derived["grounds"] = "quit_voluntary"
    context.derived["legal_basis"] = legal_basis(record, context)
