"""Electronic monitoring (Law 120/2025/QH15 Art 12; WORKFLOWS.md §7).

Monitoring is a measure beside the state: its events (`order_monitoring`, `fit_device`,
`remove_device`, `end_monitoring`) are internal and leave rows in ``monitoring_orders``. An
open order ends by itself when the person enters a state from which no order may be made
(the sources of `order_monitoring`): the audit entry that moves the person there closes it,
in the same transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.audit.models import AuditEntry
from casework.people.deadlines import open_order, transfer_notice
from casework.people.identity import ADULT_AGE, age_on
from casework.people.models import MonitoringOrder, Person
from casework.people.rules import _add_after_log, _show, law_term
from casework.workflow.catalog import EXTENSION_KEY
from casework.workflow.deadlines import LOCAL_TZ, add_months
from casework.workflow.registry import effect, rule

ORDER_EVENT = "order_monitoring"


# --- rules ------------------------------------------------------------------------------------


@rule("monitoring_term_allowed", _l("the monitoring term is one the law allows"))
def monitoring_term_allowed(record, data, context):
    allowed = law_term(context, "monitoring_months")
    if data.get("months") not in allowed:
        return _("Electronic monitoring is ordered for %(terms)s months.",
                 terms=" / ".join(str(m) for m in allowed))
    return True


@rule("monitoring_subject_allowed",
      _l("the person is an adult, or a minor whose guardian consented"))
def monitoring_subject_allowed(record, data, context):
    """Law 120/2025 Art 12 as reported: persons aged 18 and over; minors need consent."""
    if age_on(record.birth_date, context.effective_date) >= ADULT_AGE:
        return True
    if data.get("guardian_consent") is True:
        return True
    return _("The person is under 18: electronic monitoring needs the consent of a parent "
             "or guardian.")


@rule("no_open_monitoring_order", _l("the person has no open monitoring order"),
      uses_data=False)
def no_open_monitoring_order(record, data, context):
    order = open_order(record.id)
    if order is None:
        return True
    return _("The person already has an open monitoring order (decision %(no)s, until "
             "%(end)s); end it first.", no=order.decision_no, end=_show(order.end_date))


@rule("open_monitoring_order", _l("the person has an open monitoring order"), uses_data=False)
def open_monitoring_order_rule(record, data, context):
    if open_order(record.id) is not None:
        return True
    return _("The person has no open electronic monitoring order.")


@rule("medical_removal_has_reason", _l("a removal for medical reasons says why"))
def medical_removal_has_reason(record, data, context):
    """The reason is the event's own ``reason``."""
    if data.get("medical") and not (context.reason or "").strip():
        return _("A removal of the device for medical reasons needs the reason.")
    return True


# --- effects ----------------------------------------------------------------------------------


@effect("open_monitoring_order", _l("records the monitoring order and its term"))
def open_monitoring_order(record, data, context):
    """The term is fixed on the order when it is made (WORKFLOWS.md §7)."""
    _add_after_log(context, lambda: MonitoringOrder(
        decision_no=data["decision_no"], decision_date=data["decision_date"],
        months=data["months"], end_date=add_months(data["decision_date"], data["months"]),
        guardian_consent=data.get("guardian_consent"), device_id=data.get("device_id"),
    ))


@effect("fit_monitoring_device", _l("records the device fitted"))
def fit_monitoring_device(record, data, context):
    order = open_order(record.id)
    if order is not None:
        order.device_id = data["device_id"]


@effect("remove_monitoring_device", _l("records the device removed"))
def remove_monitoring_device(record, data, context):
    order = open_order(record.id)
    if order is not None:
        order.device_id = None


@effect("end_monitoring_order", _l("ends the monitoring order"))
def end_monitoring_order(record, data, context):
    order = open_order(record.id)
    if order is not None:
        order.ended_on = data["date"]
        order.end_reason = "ended"


# --- an open order ends when the person leaves the monitored states -----------------------------


def monitored_states() -> frozenset[str]:
    """Every state from which some version of the person workflow allows an order."""
    catalog = current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None
    if catalog is None:
        return frozenset()
    return frozenset(s for d in catalog.all() if d.name == Person.__workflow__
                     for t in d.transitions if t.event == ORDER_EVENT for s in t.sources)


@sa.event.listens_for(AuditEntry, "after_insert")
def _end_order_on_leaving(mapper, connection, entry) -> None:
    if (entry.record_type != Person.__record_type__ or entry.to_state is None
            or entry.to_state == entry.from_state):
        return
    states = monitored_states()
    if not states or entry.to_state in states:
        return
    day = entry.effective_at.astimezone(LOCAL_TZ).date()
    table = MonitoringOrder.__table__
    connection.execute(
        table.update()
        .where(table.c.person_id == entry.record_id, table.c.ended_on.is_(None))
        .values(ended_on=day, end_reason="state_left"))


@rule("transfer_notice_pending", _l("a move awaits the receiving police's acknowledgement"),
      uses_data=False)
def transfer_notice_pending(record, data, context):
    if transfer_notice(record) is not None:
        return True
    return _("No move of this person awaits acknowledgement.")
