"""Vietnam's days off come from holidays_vn.yaml: the generated years equal the ``holidays``
package's, a legal officer's corrections apply, and a web worker never loads the package's
~280 calendars for a year the table holds (issue 16: ~8 MB of each worker)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import holidays
import pytest
import yaml

from casework.workflow import deadlines
from casework.workflow.deadlines import HOLIDAYS_FILE, add_working_days, is_working_day


def _raw() -> dict:
    return yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8"))


def test_every_generated_year_equals_the_package():
    raw = _raw()
    assert raw["source"].startswith("python-holidays ") and raw["verified"] is False
    years = raw["years"]
    assert min(years) <= 2024 and max(years) >= 2030  # the law's years and the plans' ahead
    for year, days in years.items():
        assert set(days) == set(holidays.country_holidays("VN", years=year)), (
            f"{year}: the holidays package ({holidays.__version__}) now says otherwise; "
            "run scripts/holidays_vn.py")


def test_the_years_read_are_the_tables_with_the_package_beyond_it():
    deadlines._holidays_of.cache_clear()
    assert date(2026, 2, 17) in deadlines._holidays_of(2026)  # Tết
    assert not is_working_day(date(2026, 9, 2)) and is_working_day(date(2026, 9, 3))
    far = 2051  # outside the table: computed by the package
    assert far not in _raw()["years"]
    assert deadlines._holidays_of(far) == frozenset(holidays.country_holidays("VN", years=far))


@pytest.fixture
def corrections(monkeypatch, tmp_path):
    """A copy of the table with a legal officer's corrections."""

    def use(items):
        raw = _raw()
        raw["corrections"] = items
        path = tmp_path / "holidays_vn.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        monkeypatch.setattr(deadlines, "HOLIDAYS_FILE", path)
        deadlines.holiday_table.cache_clear()
        deadlines._holidays_of.cache_clear()

    yield use
    deadlines.holiday_table.cache_clear()
    deadlines._holidays_of.cache_clear()


def test_a_correction_adds_a_day_off_and_another_makes_one_a_working_day(corrections):
    friday, holiday = date(2026, 12, 4), date(2026, 9, 2)
    assert is_working_day(friday) and not is_working_day(holiday)
    before = add_working_days(date(2026, 12, 3), 1)
    assert before == friday
    corrections([
        {"date": friday, "working_day": False, "basis": "Thông báo giả định", "source": "test",
         "verified": False},
        {"date": holiday, "working_day": True, "basis": "Thông báo giả định", "source": "test",
         "verified": False},
    ])
    assert not is_working_day(friday) and is_working_day(holiday)
    # The next working day after Thursday 3/12 is then Monday 7/12, one day either side.
    assert add_working_days(date(2026, 12, 3), 1) == date(2026, 12, 7)
    assert add_working_days(date(2026, 12, 2), 1) == date(2026, 12, 3)


def test_a_worker_reads_deadlines_without_loading_the_package():
    probe = ("import sys; from datetime import date; "
             "from casework.workflow.deadlines import add_working_days; "
             "print(add_working_days(date(2026, 2, 13), 1), "
             "any(m.startswith('holidays') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["2026-02-23", "False"]  # after Tết, and the package never imported


@pytest.mark.parametrize(("item", "said"), [
    ({"date": "2026-13-01", "working_day": False, "basis": "b", "source": "s",
      "verified": False}, "`date` must be a date (YYYY-MM-DD)"),
    ({"date": date(2026, 12, 4), "working_day": "no", "basis": "b", "source": "s",
      "verified": False}, "`working_day` must be true or false"),
    ({"date": date(2026, 12, 4), "working_day": False, "basis": " ", "source": "s",
      "verified": False}, "`basis` must be text"),
    ({"date": date(2026, 12, 4), "working_day": False, "basis": "b", "source": "s"},
     "`verified` must be true or false"),
    ("2026-12-04", "correction 1: expected a mapping"),
])
def test_a_wrong_correction_is_named_and_stops_start_up(corrections, tmp_path, item, said):
    from casework import create_app
    from casework.workflow.definitions import DefinitionError

    corrections([item])
    with pytest.raises(DefinitionError) as refused:
        deadlines.holiday_table()
    assert said in str(refused.value) and "holidays_vn.yaml" in str(refused.value)
    deadlines.holiday_table.cache_clear()
    with pytest.raises(DefinitionError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"},
                   instance_path=str(tmp_path / "instance"))


def test_the_shipped_table_has_no_problem():
    assert deadlines.holiday_problems(_raw()) == []


def test_a_day_that_does_not_exist_is_named(monkeypatch, tmp_path):
    path = tmp_path / "holidays_vn.yaml"
    path.write_text(HOLIDAYS_FILE.read_text(encoding="utf-8").replace(
        "corrections: []", "corrections:\n- {date: 2026-13-01, working_day: false}"),
        encoding="utf-8")
    monkeypatch.setattr(deadlines, "HOLIDAYS_FILE", path)
    deadlines.holiday_table.cache_clear()
    from casework.workflow.definitions import DefinitionError

    try:
        with pytest.raises(DefinitionError, match="holidays_vn.yaml: cannot be read"):
            deadlines.holiday_table()
    finally:
        deadlines.holiday_table.cache_clear()
