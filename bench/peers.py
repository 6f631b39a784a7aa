"""The engine against a peer: the same audited transition through django-fsm-2 + django-fsm-log.

    pip install -e '.[bench]'
    python bench/peers.py postgresql+psycopg://postgres@127.0.0.1:5432/some_scratch_db
    python bench/peers.py URL --rounds 80 --block 25   # (40 rounds of 25 by default)

The transition, one transaction each, on both sides: load the record; check the user's
permission and the condition; change the state; write a log row with the actor and the reason;
commit.

- engine: ``session.get`` of a ``bench_case`` record (bench/common.py), ``fire()`` by a real
  health officer (role and scope, the event's data through its marshmallow schema, the rules,
  the shared ``transitions`` machine, the version check, the hash-chained audit entry with the
  actor, the reason and the data), commit;
- peer, the most used Python pair for audited state machines: in ``transaction.atomic()``,
  ``PeerCase.objects.get`` (bench/peer_app), the event's data through a Django form (as a view
  would, the counterpart of the engine's schema), ``has_transition_perm`` (the transition
  exists from the state, its condition holds for the data, and the user holds its permission
  through a group, the counterpart of the role), the ``@transition`` method (django-fsm-2's
  ``FSMField``, protected), ``save()`` (``ConcurrentTransitionMixin``: ``UPDATE ... WHERE
  state = <the state read>``, the counterpart of the version check); django-fsm-log writes
  the ``StateLog`` row on ``post_transition``, ``by`` the user (``@fsm_log_by``) and with the
  reason and the data as JSON in its ``description`` (``@fsm_log_description``; StateLog has
  no data column).

Both sides make the same events with the same data on as many records, on the same
PostgreSQL server and database, each in a schema created for the run and dropped after it.
They take turns in short rounds in rotating order, and engine ÷ peer is the median of the
per-round ratios with its quartiles (bench/common.py, as bench/transitions.py does), so the
machine's drift cancels out. Django keeps its defaults (one persistent connection,
client-side parameter binding); DEBUG is off.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

# bench/transitions.py is named like the `transitions` package the engine imports: take this
# folder off the import path, and put the repository (for bench.common) and its src/ on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path[:0] = [str(_HERE.parent), str(_HERE.parent / "src")]

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    REASON,
    RECORDS,
    USERNAME,
    WARM_UP,
    arguments,
    casework_app,
    engine_block,
    load_actor,
    measure,
    prepare_cases,
    rate,
    ratio,
    step,
    temporary_schema,
)

PEERS = ("Django", "django-fsm-2", "django-fsm-log")


def setup_django(url: str, schema: str) -> None:
    """Django configured in this process over ``url``'s database, its tables in ``schema``:
    contenttypes, auth, django-fsm-log's StateLog and the bench's own app."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    parts = sa.engine.make_url(url)
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        TIME_ZONE="UTC",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_fsm_log",
                        "bench.peer_app"],
        DATABASES={"default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.database,
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.host or "",
            "PORT": parts.port or "",
            "CONN_MAX_AGE": None,
            "OPTIONS": {"options": f"-c search_path={schema}"},
        }},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)  # the bench's app has no migrations


def prepare_peer(count: int):
    """A group (the role) with the two transitions' permissions, a user in it, and ``count``
    cases in ``waiting``. Returns the cases' ids and the user, loaded again as the signed-in
    user is (its permissions are loaded on first use and kept on it, as the engine's actor
    keeps its grants)."""
    from django.contrib.auth.models import Group, Permission, User
    from django.utils import timezone

    from bench.peer_app.models import PeerCase

    group = Group.objects.create(name="health")
    group.permissions.set(Permission.objects.filter(
        content_type__app_label="peer_app", codename__in=["check_case", "release_case"]))
    user = User.objects.create_user(USERNAME)  # no usable password: nobody signs in
    user.groups.add(group)
    opened = timezone.now() - timedelta(days=400)
    cases = PeerCase.objects.bulk_create(
        [PeerCase(state_entered_at=opened, last_event_at=opened) for _ in range(count)])
    return [case.pk for case in cases], User.objects.get(pk=user.pk)


def peer_block(ids: list[int], user):
    """Each transition: load, the data through its form, permission and condition, the
    transition (django-fsm-log writes the StateLog row), save, commit."""
    from django.core.exceptions import PermissionDenied
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import transaction
    from django_fsm import has_transition_perm

    from bench.peer_app.forms import CheckForm, ReleaseForm
    from bench.peer_app.models import PeerCase

    forms = {"check": CheckForm, "release": ReleaseForm}
    methods = {"check": "check_sample", "release": "release"}

    def block(start: int, n: int) -> float:
        began = time.perf_counter()
        for i in range(start, start + n):
            with transaction.atomic():
                case = PeerCase.objects.get(pk=ids[i % len(ids)])
                event, data = step(i, case.state)
                form = forms[event](data)
                if not form.is_valid():
                    raise RuntimeError(f"the bench's data is refused: {form.errors}")
                case.event_data = form.cleaned_data
                move = getattr(case, methods[event])
                if not has_transition_perm(move, user):
                    raise PermissionDenied(f"{event} refused on case {case.pk}")
                move(by=user, description=json.dumps(
                    {"reason": REASON, "data": form.cleaned_data}, cls=DjangoJSONEncoder,
                    ensure_ascii=False))
                case.save()
        return time.perf_counter() - began

    return block


def _check_logs(engine_ids: list[int], peer_ids: list[int], transitions: int) -> None:
    """Both sides logged every transition: one audit entry, one StateLog row each."""
    from django_fsm_log.models import StateLog

    from casework.audit.models import AuditEntry
    from casework.extensions import db

    engine_logged = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry)
        .where(AuditEntry.record_type == "bench_case", AuditEntry.record_id.in_(engine_ids),
               AuditEntry.actor_id.is_not(None), AuditEntry.reason == REASON)
    )
    peer_logged = StateLog.objects.filter(object_id__in=peer_ids, by__isnull=False,
                                          description__contains=REASON).count()
    db.session.remove()
    if engine_logged != transitions or peer_logged != transitions:
        raise RuntimeError(f"{transitions} transitions, but {engine_logged} audit entries and "
                           f"{peer_logged} StateLog rows")


def main(url: str, rounds: int, size: int) -> None:
    with casework_app(url) as app, app.app_context(), temporary_schema(url, "_peer") as schema:
        engine_ids = prepare_cases(RECORDS)
        actor = load_actor()
        setup_django(url, schema)
        from django.db import connections

        try:
            peer_ids, user = prepare_peer(RECORDS)
            seconds = measure({"engine": engine_block(engine_ids, actor),
                               "peer": peer_block(peer_ids, user)}, rounds, size)
            _check_logs(engine_ids, peer_ids, len(seconds["engine"]) * size + WARM_UP)
        finally:
            connections.close_all()

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in PEERS)
    print(f"PostgreSQL; {rounds} rounds of {size} transitions each way, {RECORDS} records "
          f"each; {versions}")
    print(f"{'engine (casework)':40}{rate(seconds['engine'], size):8.0f} transitions/s")
    print(f"{'peer (django-fsm-2 + django-fsm-log)':40}{rate(seconds['peer'], size):8.0f} "
          "transitions/s")
    print(f"engine ÷ peer: {ratio(seconds, 'engine', 'peer')}")


if __name__ == "__main__":
    parser, args = arguments(__doc__.splitlines()[0])
    if not (args.url or "").startswith("postgresql"):
        parser.error("give a PostgreSQL URL: the peer runs on the same PostgreSQL")
    if any(find_spec(name) is None for name in ("django", "django_fsm", "django_fsm_log")):
        parser.error("install the bench extra first: pip install -e '.[bench]'")
    main(args.url, args.rounds, args.block)
