"""The `casework` command line: exit codes 0/1/2 and what each command changes."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from casework.auth.models import User
from casework.orgunits.models import OrgUnit
from tests.conftest import make_test_app


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_orgunits_import(app, tmp_path, db):
    csv = tmp_path / "units.csv"
    csv.write_text("code,name,kind,parent_code\nK,Thành phố K,city,\nK-W,Phường K,ward,K\n",
                   encoding="utf-8")
    result = run(app, "orgunits", "import", str(csv))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    again = run(app, "orgunits", "import", str(csv))
    assert "0 created, 0 updated, 2 unchanged" in again.output
    assert db.session.scalar(sa.select(OrgUnit.name).where(OrgUnit.code == "K-W")) == "Phường K"


def test_orgunits_import_reports_bad_rows_and_imports_nothing(app, tmp_path, db):
    csv = tmp_path / "units.csv"
    csv.write_text(
        "code,name,kind,parent_code\nK,Thành phố K,city,\nK-W,Phường K,ward,NOPE\n"
        "K-X,Tổ X,residential_group,ALSO-NOPE\n",
        encoding="utf-8",
    )
    result = run(app, "orgunits", "import", str(csv))
    assert result.exit_code == 1
    assert f"{csv}:3:" in result.output and "NOPE" in result.output
    assert f"{csv}:4:" in result.output and "ALSO-NOPE" in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgUnit)) == 0


def test_orgunits_import_usage_errors(app, tmp_path):
    assert run(app, "orgunits", "import").exit_code == 2
    assert run(app, "orgunits", "import", str(tmp_path / "missing.csv")).exit_code == 2
    binary = tmp_path / "units.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = run(app, "orgunits", "import", str(binary))
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_users_create_and_add_a_role(app, tree, db):
    result = run(app, "users", "create", "lan", "--role", "police", "--org-unit", "W1",
                 "--full-name", "Nguyễn Thị Lan", "--password-stdin",
                 input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    again = run(app, "users", "create", "lan", "--role", "viewer", "--org-unit", "C")
    assert again.exit_code == 0, again.output
    user = db.session.scalar(sa.select(User).where(User.username == "lan"))
    assert user.full_name == "Nguyễn Thị Lan"
    assert {(a.role, a.org_unit.code) for a in user.assignments} == {("police", "W1"),
                                                                     ("viewer", "C")}


def test_users_create_failures(app, tree, db):
    unknown_unit = run(app, "users", "create", "x", "--role", "police", "--org-unit", "NOPE",
                       "--password-stdin", input="a long enough secret\n")
    assert unknown_unit.exit_code == 1 and "NOPE" in unknown_unit.output
    short = run(app, "users", "create", "x", "--role", "police", "--org-unit", "W1",
                "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "10" in short.output
    bad_role = run(app, "users", "create", "x", "--role", "mayor", "--org-unit", "W1")
    assert bad_role.exit_code == 2
    no_password = run(app, "users", "create", "x", "--role", "police", "--org-unit", "W1")
    assert no_password.exit_code == 1 and "--password-stdin" in no_password.output
    assert db.session.scalar(sa.select(User).where(User.username == "x")) is None


def test_init_and_demo_on_a_fresh_database(tmp_path):
    """`casework init` is repeatable; `demo --no-serve` loads the Lai Châu picture."""
    app = make_test_app(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    from casework.extensions import db

    with app.app_context():  # not the suite's shared app
        assert run(app, "init").exit_code == 0
        assert run(app, "init").exit_code == 0
        result = run(app, "demo", "--no-serve")
        assert result.exit_code == 0, result.output
        for username in ("admin", "police", "health", "social", "chair", "chair.tp",
                         "inspector", "steering", "province", "viewer"):
            assert f"  {username} " in result.output
        # The demo's officers find today's reminders on their first visit; a second run
        # makes none again.
        made = re.search(r"Reminders: (\d+) for (\d+) user", result.output)
        assert made and int(made.group(1)) > 0 and int(made.group(2)) > 0, result.output
        again = run(app, "demo", "--no-serve")
        assert again.exit_code == 0
        assert "Reminders: 0 for 0 user(s)." in again.output
        units = db.session.scalars(sa.select(OrgUnit)).all()
        by_code = {u.code: u for u in units}
        city = by_code["LCH-TP"]
        wards = sorted(u.name for u in units if u.parent_id == city.id and u.kind == "ward")
        communes = sorted(
            u.name for u in units if u.parent_id == city.id and u.kind == "commune"
        )
        assert wards == ["Phường Quyết Thắng", "Phường Quyết Tiến", "Phường Tân Phong",
                         "Phường Đoàn Kết", "Phường Đông Phong"]
        assert communes == ["Xã Nậm Loỏng", "Xã San Thàng"]
        # The 2024 map: 72 groups and villages under the city on its last day, 2025-06-30.
        from casework.areas.services import territory

        leaves = [u for u in territory(city)[0] if u.kind in ("residential_group", "village")]
        assert len(leaves) == 72 and city.valid_to == date(2025, 6, 30)
        # Today's map: the wards made on 2025-07-01 hold them; the cities have ended.
        by_code = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
        tan_phong, doan_ket = by_code["LCH-P-TPH"], by_code["LCH-P-DK"]
        assert {tan_phong.parent_id, doan_ket.parent_id} == {by_code["LCH"].id}
        assert all(u.path.startswith((tan_phong.path, doan_ket.path)) for u in leaves)
        assert sum(u.path.startswith(tan_phong.path) for u in leaves) == 12 + 10 + 7
        san_thang = by_code["LCH-ST"]
        villages = [u for u in territory(san_thang)[0] if u.kind == "village"]
        assert len(villages) == 7 and all(v.parent_id == tan_phong.id for v in villages)
        bac_cuong, cam_duong = by_code["LCI-BC"], by_code["LCI-P-CD"]
        assert bac_cuong.name == "Phường Bắc Cường" and bac_cuong.valid_to is not None
        assert sum(u.parent_id == cam_duong.id for u in by_code.values()) == 15
        assert by_code["LCI-TP"].valid_to == date(2025, 6, 30)
        # Twelve accounts to sign in with, and the inactive one that recorded the demo history.
        users = db.session.scalars(sa.select(User)).all()
        assert sum(u.active for u in users) == 12 and len(users) == 13
        # Persons in every state of the person workflow, some of them overdue.
        from casework.people.models import Person
        from casework.workflow.catalog import get_catalog

        states = dict(db.session.execute(
            sa.select(Person.state, sa.func.count()).group_by(Person.state)).all())
        assert set(states) == set(get_catalog().get("person").states)
        overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
            Person.due_date < sa.func.current_date()))
        assert overdue >= 5
        db.session.remove()
        db.engine.dispose()


def _snapshot(db, models):
    """Every row of ``models`` as plain values, to compare before and after."""
    from sqlalchemy import inspect

    found = {}
    for model in models:
        columns = [c.key for c in inspect(model).mapper.column_attrs]
        found[model.__name__] = sorted(
            (tuple(str(getattr(row, c)) for c in columns)
             for row in db.session.scalars(sa.select(model))), key=str)
    return found


def test_demo_on_a_database_with_other_data_adds_only_its_own(tmp_path):
    """Other units, persons and users (one of them named like a demo account) are left as
    they are; the demo says what it adds, adds it under its own units, and reuses it."""
    from casework.auth import services as auth_services
    from casework.auth.models import RoleAssignment
    from casework.extensions import db
    from casework.orgunits.services import create_orgunit
    from casework.people.models import Person
    from casework.workflow import open_record

    app = make_test_app(f"sqlite:///{tmp_path / 'busy.db'}", tmp_path)
    with app.app_context():
        assert run(app, "init").exit_code == 0
        city = create_orgunit("HN", "Thành phố Khác", "city", None)
        ward = create_orgunit("HN-P1", "Phường Một", "ward", city)
        groups = [create_orgunit(f"HN-P1-T{i:02d}", f"Tổ {i}", "residential_group", ward)
                  for i in range(1, 31)]  # many: the old demo drew its groups from all
        group = groups[0]
        admin = auth_services.create_user("admin", "a long real password",
                                          full_name="Quản trị thật")
        auth_services.grant_role(admin, "admin", city)
        police = auth_services.create_user("police", "another real password",
                                           full_name="Công an thật")
        auth_services.grant_role(police, "police", ward)
        db.session.flush()
        person = Person(full_name="Người Thật", name_folded="nguoi that",
                        birth_date=date(1990, 1, 1), gender="male", org_unit=group)
        open_record(person, police)
        db.session.commit()
        theirs = [OrgUnit, Person, User, RoleAssignment]
        before = _snapshot(db, theirs)

        result = run(app, "demo", "--no-serve")
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert "32 units, 1 person and 2 users" in result.output  # what was there
        assert "Adding:" in result.output and "Added:" in result.output
        # The two taken names get demo accounts of their own, said so, with the password.
        assert "  admin.demo " in result.output and "  police.demo " in result.output
        db.session.expire_all()
        after = _snapshot(db, theirs)
        for model in ("OrgUnit", "Person", "User", "RoleAssignment"):
            assert set(before[model]) <= set(after[model]), model  # nothing changed or gone
        assert {a.org_unit.code for a in db.session.get(User, admin.id).assignments} == {"HN"}
        # Demo data only in demo units.
        demo_units = {u.id for u in db.session.scalars(sa.select(OrgUnit).where(
            OrgUnit.code.like("LCH%") | OrgUnit.code.like("LCI%")))}
        persons = db.session.scalars(sa.select(Person).where(Person.id != person.id)).all()
        assert persons and all(p.org_unit_id in demo_units for p in persons)

        loaded = _snapshot(db, [OrgUnit, Person, User, RoleAssignment])
        again = run(app, "demo", "--no-serve")
        assert again.exit_code == 0, again.output
        assert "Adding: nothing new" in again.output and "Added: nothing." in again.output
        db.session.expire_all()
        assert _snapshot(db, [OrgUnit, Person, User, RoleAssignment]) == loaded  # reused
        db.session.remove()
        db.engine.dispose()


def test_demo_says_why_it_cannot_load_without_a_traceback(tmp_path):
    """Both names of a demo account taken by other accounts: one line, exit 1."""
    from casework.auth import services as auth_services
    from casework.extensions import db

    app = make_test_app(f"sqlite:///{tmp_path / 'taken.db'}", tmp_path)
    with app.app_context():
        assert run(app, "init").exit_code == 0
        for name in ("inspector", "inspector.demo"):
            auth_services.create_user(name, "a long real password", full_name="Người thật")
        db.session.commit()
        result = run(app, "demo", "--no-serve")
        assert result.exit_code == 1 and result.exc_info[0] is SystemExit
        assert "Traceback" not in result.output
        assert result.output.strip().endswith(
            "Error: the demo could not be loaded: the user names inspector and "
            "inspector.demo are taken by other accounts")
        db.session.remove()
        db.engine.dispose()


def test_the_demo_serves_without_holding_the_database(tmp_path, monkeypatch):
    """Once loaded, the demo leaves no transaction open: the server's requests can write.

    SQLite keeps a lock for as long as a transaction reads; the demo's own summary used to
    leave one open in the command's session, and every sign-in then failed ("database is
    locked")."""
    import sqlite3

    import werkzeug.serving

    path = tmp_path / "served.db"
    app = make_test_app(f"sqlite:///{path}", tmp_path)
    written = []

    def serve(host, port, application, **options):  # instead of the real server
        with sqlite3.connect(path, timeout=0.2) as other:  # another connection, as a request
            other.execute("UPDATE users SET full_name = full_name")
        written.append(True)

    monkeypatch.setattr(werkzeug.serving, "run_simple", serve)
    with app.app_context():
        assert run(app, "init").exit_code == 0
        result = run(app, "demo", "--port", "5999")
    assert result.exit_code == 0, result.output
    assert written == [True]
