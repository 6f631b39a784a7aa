"""``casework criteria check`` and ``casework classify`` (INTERFACES.md, "Command line")."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from casework.areas import qd28
from casework.areas.criteria_sets import CriteriaSet, check_files, criteria_dir, criteria_files
from casework.errors import CaseworkError
from casework.orgunits.services import get_by_code
from casework.workflow.catalog import UnknownWorkflow, get_catalog


def _person_states(found: CriteriaSet) -> list[str]:
    """Problems with the person states a set names: each must exist in the person workflow;
    a state may not both break a criterion and be its exception."""
    try:
        definitions = [get_catalog().get("person", v) for v in get_catalog().versions("person")]
    except UnknownWorkflow:
        return []
    known = set().union(*(d.states for d in definitions)) if definitions else set()
    problems = []
    for criterion in found.criteria:
        states = list(criterion.params.get("states") or [])
        exceptions = list(criterion.params.get("exceptions") or [])
        for state in states + exceptions:
            if known and state not in known:
                problems.append(f"{found.path}: criterion {criterion.code}: unknown person "
                                f"state {state!r}")
        both = sorted(set(states) & set(exceptions))
        if both:
            problems.append(f"{found.path}: criterion {criterion.code}: {both} both break it "
                            "and are its exceptions")
    return problems


@click.group("criteria")
def criteria_group():
    """Criteria sets (criteria/*.yaml): check them."""


@criteria_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def criteria_check(paths):
    """Validate the criteria sets (or the given files); exit 1 on any problem."""
    files: list[Path] = []
    for path in paths or [Path(current_app.config.get("CRITERIA_DIR") or criteria_dir())]:
        files.extend(criteria_files(path) if path.is_dir() else [path])
    sets, problems = check_files(files, _person_states)
    if not files:
        problems.append("no criteria set found")
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) in the criteria sets")
    for found in sets:
        levels = ", ".join(f"{name} ({'/'.join(kinds)})" for name, kinds in found.levels.items())
        click.echo(f"{found.path}: {found.name} ({found.basis}, from {found.effective_from}): "
                   f"{len(found.criteria)} criteria; levels {levels}")
    click.echo(f"OK: {len(sets)} criteria set(s)")


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _commune_lines(result) -> list[str]:
    lines = [f"{result.unit.code} {result.unit.name}: {result.classification} "
             f"(type {result.type}, drug-free {'yes' if result.drug_free_met else 'no'}, "
             f"population {result.population if result.population else 'missing'})"]
    for c in result.criteria:
        unit = "%" if c.measured.unit == "percent" and c.value is not None else ""
        lines.append(f"  {c.code}: {_value(c.value)}{unit} band {c.band or '—'}"
                     + (f" ({c.measured.message})" if c.measured.message else ""))
    for c in result.drug_free_criteria:
        lines.append(f"  {c.code}: {'met' if c.met else 'not met'} ({c.measured.count} "
                     "record(s) break it)" if not c.met else f"  {c.code}: met")
    return lines


@click.command("classify")
@click.argument("area_code", required=False)
@click.option("--period", "year", type=int,
              help="The year whose review period ends on 14/12 (default: the current one).")
@click.option("--province", "province", help="Every commune of this province, and Art 5.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (codes only, no names).")
@with_appcontext
def classify_command(area_code, year, province, as_json):
    """The QĐ 28/2025 classification of AREA_CODE (a commune, ward, special zone or province)
    for a review period; with --province, of every commune of the province."""
    code = area_code or province
    if not code:
        raise click.UsageError("give AREA_CODE or --province CODE")
    unit = get_by_code(code)
    if unit is None:
        raise click.ClickException(f"unknown area {code!r}")
    try:
        year = qd28.checked_year(year, unit)
    except CaseworkError as exc:
        raise click.ClickException(str(exc.message)) from None
    start, end = qd28.review_period(year)
    result = qd28.classify(unit, year)
    if result is None:
        raise click.ClickException(str(qd28.NOT_JUDGED))
    if as_json:
        click.echo(json.dumps(result.as_dict(personal=False), ensure_ascii=False, indent=2,
                              default=str))
        return
    click.echo(f"QĐ 28/2025, period {year}: {start:%d/%m/%Y} – {end:%d/%m/%Y}")
    if isinstance(result, qd28.CommuneClassification):
        for line in _commune_lines(result):
            click.echo(line)
        return
    click.echo(f"{unit.code} {unit.name}: key province {'yes' if result.key_province else 'no'}"
               f" ({result.met_count} of 6 criteria met)")
    for c in result.criteria:
        unit_sign = "%" if c.measured.unit == "percent" and c.value is not None else ""
        click.echo(f"  {c.code}: {_value(c.value)}{unit_sign} {'met' if c.met else 'not met'}"
                   + (f" ({c.measured.message})" if c.measured.message else ""))
    counts = result.counts()
    click.echo("Communes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for commune in result.communes:
        click.echo(f"  {commune.unit.code:<12} {commune.unit.name:<30} "
                   f"{commune.classification:<10} type {commune.type}")
