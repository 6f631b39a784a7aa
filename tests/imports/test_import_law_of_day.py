"""An imported record opens under the law in force on its date; before the first law known to
the system it is refused, naming the date and that law (issue 15, "Bad input")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from casework.errors import ValidationFailed
from casework.people.identity import fold
from casework.people.models import Person
from casework.workflow import engine


def _person(unit):
    name = "Lò Văn Nhập"
    return Person(full_name=name, name_folded=fold(name), birth_date=date(1990, 5, 17),
                  gender="male", org_unit=unit)


@pytest.mark.parametrize(("moment", "version"), [
    (datetime(2021, 12, 31, 17, 0, tzinfo=UTC), 1),   # 00:00 on 01/01/2022 in Vietnam
    (datetime(2026, 6, 30, 16, 59, 59, tzinfo=UTC), 1),  # 23:59:59 on 30/06/2026
    (datetime(2026, 6, 30, 17, 0, tzinfo=UTC), 2),    # 00:00 on 01/07/2026
])
def test_an_import_opens_under_the_law_of_its_day(db, tree, officer, moment, version):
    person = _person(tree["G11"])
    engine.import_record(person, "suspected", officer, effective_at=moment)
    assert person.workflow_version == version


def test_an_import_before_the_first_law_is_refused_naming_it(db, tree, officer):
    person = _person(tree["G11"])
    with pytest.raises(ValidationFailed) as caught:
        # 23:59:59 on 31/12/2021 in Vietnam: Law 73/2021 takes effect the next day.
        engine.import_record(person, "suspected", officer,
                             effective_at=datetime(2021, 12, 31, 16, 59, 59, tzinfo=UTC))
    message = " ".join(caught.value.errors["effective_at"])
    assert "31/12/2021" in message and "01/01/2022" in message and "73/2021" in message
    assert person.id is None and person.state is None


def _problems(report):
    return [(p.row, p.column, p.message) for p in report.problems]


@pytest.mark.parametrize(("start", "months", "ok"), [
    ("30/06/2026", "12", True),    # Law 73: 6 to 12 months
    ("30/06/2026", "24", False),
    ("01/07/2026", "24", True),    # Law 120 (provisional): 24 the first time, 36 after
    ("01/07/2026", "6", False),
])
def test_planned_rehab_months_follow_the_law_of_the_start_date(db, tree, officer, scope_of,
                                                              start, months, ok):
    from casework.imports.services import import_persons
    from tests.imports.conftest import csv_bytes, person_row

    row = person_row("R1", "rehab_community", start_date=start, planned_months=months)
    report = import_persons(csv_bytes([row]), officer, scope_of(officer))
    assert report.ok is ok, _problems(report)
    if not ok:
        assert [(r, c) for r, c, _m in _problems(report)] == [(2, "planned_months")]


def test_a_state_entered_before_the_first_law_is_a_row_problem(db, tree, officer, scope_of):
    from casework.imports.services import import_persons
    from tests.imports.conftest import csv_bytes, person_row

    rows = [person_row("E1", state_since="31/12/2021"), person_row("E2", state_since="01/01/2022")]
    report = import_persons(csv_bytes(rows), officer, scope_of(officer))
    found = _problems(report)
    assert [(r, c) for r, c, _m in found] == [(2, "state_since")]
    assert "31/12/2021" in found[0][2] and "73/2021" in found[0][2]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
