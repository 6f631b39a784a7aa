"""A case whose state django-fsm-2 moves and django-fsm-log logs: the peer's counterpart of the
engine's ``bench_case`` (bench/common.py), with the same states, events, condition and role.

A transition method is called with ``by`` (the user, logged by ``@fsm_log_by``) and
``description`` (logged by ``@fsm_log_description``); django-fsm-log writes the ``StateLog``
row when django-fsm-2 sends ``post_transition``. django-fsm-2 calls a condition with the
instance alone, so the caller puts the event's cleaned data on ``event_data`` first.
``ConcurrentTransitionMixin`` makes ``save()`` an ``UPDATE ... WHERE state = <the state
read>``: django-fsm-2's optimistic lock, the counterpart of the engine's version check.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from bench.common import sample_fits


def _sample_fits(case: PeerCase) -> bool:
    return sample_fits(case.event_data["sample"], case.event_data["amount"])


def _checked_or_flagged(case: PeerCase, *args, **kwargs) -> str:
    return "flagged" if case.event_data["flag"] else "checked"


class PeerCase(ConcurrentTransitionMixin, models.Model):
    state = FSMField(default="waiting", protected=True)
    state_entered_at = models.DateTimeField()
    last_event_at = models.DateTimeField()

    event_data: dict | None = None  # the event's cleaned data, for the conditions (no column)

    class Meta:
        app_label = "peer_app"
        permissions = [("check_case", "Can check a case"),
                       ("release_case", "Can release a case")]

    def _moved(self) -> None:
        self.state_entered_at = self.last_event_at = timezone.now()

    # ("check" would hide Django's Model.check)
    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source="waiting",
                target=GET_STATE(_checked_or_flagged, states=["checked", "flagged"]),
                conditions=[_sample_fits], permission="peer_app.check_case")
    def check_sample(self, by=None, description=None):
        self._moved()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=["checked", "flagged"], target="waiting",
                permission="peer_app.release_case")
    def release(self, by=None, description=None):
        self._moved()
